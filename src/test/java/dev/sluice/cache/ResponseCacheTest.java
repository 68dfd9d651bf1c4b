package dev.sluice.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.pipeline.Operation;
import dev.sluice.pipeline.Served;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The store behind the exact cache: expiry per entry, one memory bound in bytes, purges. */
class ResponseCacheTest {
  static final Served SERVED = new Served("m", "openai-1", "openai", "default", "m", "ok");

  /** A ticker the test moves by hand. */
  static final class FakeTicker implements com.github.benmanes.caffeine.cache.Ticker {
    final AtomicLong nanos = new AtomicLong();

    @Override
    public long read() {
      return nanos.get();
    }

    void advance(Duration d) {
      nanos.addAndGet(d.toNanos());
    }
  }

  /** A semantic matcher that only records the purges it is asked for. */
  static final class RecordingMatcher implements SemanticMatcher<StoredAnswer> {
    final List<Predicate<Context>> purges = new ArrayList<>();

    @Override
    public Future<Optional<Match<StoredAnswer>>> find(Context context, String question, double threshold) {
      return Future.succeededFuture(Optional.empty());
    }

    @Override
    public Future<Void> add(Context context, String question, StoredAnswer value) {
      return Future.succeededFuture();
    }

    @Override
    public void purge(Predicate<Context> which) {
      purges.add(which);
    }
  }

  static CacheKey key(String tenant, String model, String question) {
    ObjectNode body = Json.MAPPER.createObjectNode().put("model", model);
    body.putArray("messages").addObject().put("role", "user").put("content", question);
    return CacheKey.of(tenant, CacheKey.scope(tenant, "k1", false), Operation.CHAT_COMPLETIONS, model, false, body);
  }

  static StoredAnswer answer(int bytes, Duration ttl) {
    return new StoredAnswer.Whole(new byte[bytes], SERVED, 1_000, ttl);
  }

  @Test
  void anEntryIsServedUntilItsTtlAndNotAfter() {
    FakeTicker ticker = new FakeTicker();
    ResponseCache cache = new ResponseCache(1 << 20, ticker, Runnable::run, Optional.empty());
    CacheKey shortLived = key("acme", "m", "a");
    CacheKey longLived = key("acme", "m", "b");
    cache.put(shortLived, answer(10, Duration.ofMinutes(1)));
    cache.put(longLived, answer(10, Duration.ofHours(1)));

    ticker.advance(Duration.ofSeconds(59));
    assertThat(cache.get(shortLived)).isNotNull();
    ticker.advance(Duration.ofSeconds(2));
    assertThat(cache.get(shortLived)).isNull();
    assertThat(cache.get(longLived)).isNotNull();
  }

  @Test
  void storedAnswersNeverWeighMoreThanTheMemoryBound() {
    long bound = 64 * 1024;
    ResponseCache cache = new ResponseCache(bound, new FakeTicker(), Runnable::run, Optional.empty());
    for (int i = 0; i < 100; i++) cache.put(key("acme", "m", "q" + i), answer(4 * 1024, Duration.ofHours(1)));

    assertThat(cache.weightBytes()).isLessThanOrEqualTo(bound);
    assertThat(cache.size()).isBetween(1L, bound / (4 * 1024));

    cache.memoryBytes(16 * 1024); // a reload lowers the bound
    assertThat(cache.weightBytes()).isLessThanOrEqualTo(16 * 1024);
  }

  @Test
  void purgeDropsOnlyTheMatchingTenantAndModelAndPurgesTheSemanticSideToo() {
    RecordingMatcher semantic = new RecordingMatcher();
    ResponseCache cache = new ResponseCache(1 << 20, new FakeTicker(), Runnable::run, Optional.of(semantic));
    cache.put(key("acme", "m", "q"), answer(10, Duration.ofHours(1)));
    cache.put(key("acme", "other", "q"), answer(10, Duration.ofHours(1)));
    cache.put(key("beta", "m", "q"), answer(10, Duration.ofHours(1)));

    assertThat(cache.purge("acme", "m")).isEqualTo(1);
    assertThat(cache.get(key("acme", "m", "q"))).isNull();
    assertThat(cache.get(key("acme", "other", "q"))).isNotNull();
    assertThat(cache.get(key("beta", "m", "q"))).isNotNull();

    assertThat(semantic.purges).hasSize(1);
    Predicate<SemanticMatcher.Context> which = semantic.purges.getFirst();
    assertThat(which.test(new SemanticMatcher.Context(CacheKey.scope("acme", "k1", false), "m", "h"))).isTrue();
    assertThat(which.test(new SemanticMatcher.Context(CacheKey.scope("acme", null, true), "m", "h"))).isTrue();
    assertThat(which.test(new SemanticMatcher.Context(CacheKey.scope("beta", "k1", false), "m", "h"))).isFalse();
    assertThat(which.test(new SemanticMatcher.Context(CacheKey.scope("acme", "k1", false), "other", "h"))).isFalse();

    assertThat(cache.purge("beta", null)).isEqualTo(1);
    assertThat(cache.purge(null, null)).isEqualTo(1);
  }
}
