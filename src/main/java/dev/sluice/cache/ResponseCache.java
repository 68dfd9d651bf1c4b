package dev.sluice.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;

/**
 * The gateway's response cache: stored answers by exact key, bounded by one memory budget in bytes
 * for every model and tenant together, each entry expiring after its model's TTL; the calls in
 * flight that identical requests may join; and the semantic side, when one is wired in. It lives as
 * long as the gateway (a config reload keeps it and only changes its memory bound).
 *
 * <p>Thread-safe: every event loop shares it. No method blocks.
 */
public final class ResponseCache {
  private final Cache<CacheKey, StoredAnswer> answers;
  private final ConcurrentMap<CacheKey, Flight> flights = new ConcurrentHashMap<>();
  private final Optional<SemanticMatcher<StoredAnswer>> semantic;

  /**
   * @param memoryBytes the most the stored answers may weigh ({@link StoredAnswer#weight})
   * @param ticker the clock of expiry (a fake one in tests)
   * @param executor where eviction's housekeeping runs
   * @param semantic the semantic matcher, purged with the exact entries; empty when none is wired
   */
  public ResponseCache(long memoryBytes, Ticker ticker, Executor executor, Optional<SemanticMatcher<StoredAnswer>> semantic) {
    this.answers = Caffeine.newBuilder()
        .maximumWeight(memoryBytes)
        .weigher((CacheKey k, StoredAnswer a) -> a.weight())
        .expireAfter(new Expiry<CacheKey, StoredAnswer>() {
          @Override
          public long expireAfterCreate(CacheKey key, StoredAnswer a, long now) {
            return a.ttl().toNanos();
          }

          @Override
          public long expireAfterUpdate(CacheKey key, StoredAnswer a, long now, long current) {
            return a.ttl().toNanos();
          }

          @Override
          public long expireAfterRead(CacheKey key, StoredAnswer a, long now, long current) {
            return current;
          }
        })
        .ticker(ticker)
        .executor(executor)
        .build();
    this.semantic = semantic;
  }

  /** A cache on the system clock, without a semantic side. */
  public static ResponseCache create(long memoryBytes) {
    return new ResponseCache(memoryBytes, Ticker.systemTicker(), Runnable::run, Optional.empty());
  }

  /** The stored answer for {@code key}, or {@code null}. */
  public StoredAnswer get(CacheKey key) {
    return answers.getIfPresent(key);
  }

  /** Stores (or replaces) an answer. */
  public void put(CacheKey key, StoredAnswer answer) {
    answers.put(key, answer);
  }

  /** Replaces {@code old} by {@code updated} if it is still the entry of {@code key}. */
  void replace(CacheKey key, StoredAnswer old, StoredAnswer updated) {
    answers.asMap().replace(key, old, updated);
  }

  /** The semantic matcher, if one is wired in. */
  public Optional<SemanticMatcher<StoredAnswer>> semantic() {
    return semantic;
  }

  /** The calls in flight, by key: what identical requests join. */
  ConcurrentMap<CacheKey, Flight> flights() {
    return flights;
  }

  /** Changes the memory bound (a config reload); entries over it are evicted. */
  public void memoryBytes(long bytes) {
    answers.policy().eviction().ifPresent(e -> {
      if (e.getMaximum() != bytes) e.setMaximum(bytes);
    });
  }

  /**
   * Drops the stored answers of a tenant, of a model, or of a model within a tenant, exact and
   * semantic alike.
   *
   * @param tenant a tenant's name, or {@code null} for every tenant
   * @param model a model name as clients send it, or {@code null} for every model
   * @return how many exact entries were dropped
   */
  public long purge(String tenant, String model) {
    long[] dropped = {0};
    answers.asMap().keySet().removeIf(k -> {
      boolean match = (tenant == null || tenant.equals(k.tenant())) && (model == null || model.equals(k.model()));
      if (match) dropped[0]++;
      return match;
    });
    semantic.ifPresent(s -> s.purge(c ->
        (tenant == null || tenant.equals(CacheKey.tenantOf(c.scope()))) && (model == null || model.equals(c.model()))));
    return dropped[0];
  }

  /** How many answers are stored (after pending housekeeping). */
  public long size() {
    answers.cleanUp();
    return answers.estimatedSize();
  }

  /** The weight of what is stored, in bytes (after pending housekeeping). */
  public long weightBytes() {
    answers.cleanUp();
    return answers.policy().eviction().flatMap(e -> e.weightedSize().isPresent()
        ? Optional.of(e.weightedSize().getAsLong()) : Optional.empty()).orElse(0L);
  }
}
