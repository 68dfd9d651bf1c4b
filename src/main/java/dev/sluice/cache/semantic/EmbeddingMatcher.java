package dev.sluice.cache.semantic;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.cache.SemanticMatcher;
import dev.sluice.provider.local.Embedder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The semantic matcher Sluice runs: questions embedded by the in-process {@link Embedder}, stored per
 * {@link Context} in a {@link GrowingIndex} (brute force, then HNSW), and a candidate accepted only
 * when the {@link Verifier} agrees (the {@link TrapGuard}, a cosine floor, a trained check of the
 * pair).
 *
 * <h2>Threads</h2>
 *
 * The model runs on the embedder's threads; indexes are read and written only on this matcher's own
 * thread ({@code sluice-semantic-cache}), so they need no locks and the caller's thread (an event
 * loop) does neither. A question's vector goes from the model's thread straight to the matcher's
 * ({@link Embedder#embedOnModelThread}), so a lookup crosses threads three times: caller to model,
 * model to matcher, matcher back to the caller. A future returned to a caller on a Vert.x context
 * completes on that context.
 *
 * <h2>Bounds</h2>
 *
 * An entry is served for {@code lifetime(value)} nanoseconds after it was added (its answer's
 * time to live), then skipped. At most {@code maxEntries} questions are held, over all contexts; when more are added, whole
 * contexts are evicted (Caffeine's size-based policy, each context weighing its number of entries).
 * The vector of a question just looked up is kept briefly, so storing its answer after a miss does
 * not embed it again.
 */
public final class EmbeddingMatcher<V> implements SemanticMatcher<V>, AutoCloseable {
  /** Neighbours handed to the verifier per lookup; the most similar accepted one wins. */
  static final int CANDIDATES = 4;
  /** Questions held by a gateway's matcher: about 2 KiB each (vector, graph links, text), some 40 MiB in all. */
  public static final int DEFAULT_MAX_ENTRIES = 20_000;
  private static final long NEVER = Long.MAX_VALUE;

  private final Supplier<Embedder> embedder;
  private final Verifier verifier;
  private final ToLongFunction<V> lifetime;
  private final int hnswFrom;
  private final ExecutorService thread = Executors.newSingleThreadExecutor(
      Thread.ofPlatform().name("sluice-semantic-cache").daemon(true).factory());
  private final Cache<Context, Entries<V>> contexts;
  private final Cache<String, float[]> recentVectors = Caffeine.newBuilder().maximumSize(4096).build();
  private final LongSupplier nanos;
  private final Histogram missNanos = new ConcurrentHistogram(3);

  /** A matcher whose entries never expire, on an embedder that is already running. */
  public EmbeddingMatcher(Embedder embedder, Verifier verifier, int maxEntries) {
    this(() -> embedder, verifier, maxEntries, v -> Long.MAX_VALUE, GrowingIndex.HNSW_FROM, System::nanoTime);
  }

  /**
   * @param embedder asked for the model on the first question to embed, so a gateway that never
   *     looks anything up never loads it
   * @param lifetime how long, in nanoseconds, an entry may be served after it was added
   */
  public EmbeddingMatcher(Supplier<Embedder> embedder, Verifier verifier, int maxEntries, ToLongFunction<V> lifetime) {
    this(embedder, verifier, maxEntries, lifetime, GrowingIndex.HNSW_FROM, System::nanoTime);
  }

  EmbeddingMatcher(Supplier<Embedder> embedder, Verifier verifier, int maxEntries, ToLongFunction<V> lifetime,
      int hnswFrom, LongSupplier nanos) {
    this.embedder = embedder;
    this.verifier = verifier;
    this.lifetime = lifetime;
    this.hnswFrom = hnswFrom;
    this.nanos = nanos;
    this.contexts = Caffeine.newBuilder()
        .maximumWeight(maxEntries)
        .<Context, Entries<V>>weigher((c, e) -> e.size())
        .executor(Runnable::run)
        .removalListener((Context c, Entries<V> e, com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
          if (e != null) onMatcherThread(e.index::close);
        })
        .build();
  }

  @Override
  public Future<Optional<Match<V>>> find(Context context, String question, double threshold) {
    long start = nanos.getAsLong();
    double floor = Double.isNaN(threshold) ? verifier.minimumSimilarity() : threshold;
    Promise<Optional<Match<V>>> promise = Promise.promise();
    Delivery delivery = new Delivery(Vertx.currentContext());
    Entries<V> entries = contexts.getIfPresent(context);
    if (entries == null || question.isBlank()) {
      // nothing to compare with: no model run, no added latency
      promise.complete(Optional.empty());
      return promise.future();
    }
    embed(question).onComplete(embedded -> thread.execute(() -> {
      Optional<Match<V>> found = Optional.empty();
      if (embedded.succeeded()) {
        found = entries.best(question, embedded.result(), floor, verifier, nanos.getAsLong());
      }
      if (found.isEmpty()) missNanos.recordValue(Math.max(0, nanos.getAsLong() - start));
      Optional<Match<V>> result = found;
      delivery.run(() -> promise.complete(result));
    }));
    return promise.future();
  }

  @Override
  public Future<Void> add(Context context, String question, V value) {
    Promise<Void> promise = Promise.promise();
    Delivery delivery = new Delivery(Vertx.currentContext());
    if (question.isBlank()) {
      promise.complete();
      return promise.future();
    }
    embed(question).onComplete(embedded -> thread.execute(() -> {
      if (embedded.succeeded()) {
        Entries<V> entries = contexts.get(context, c -> new Entries<>(new GrowingIndex(hnswFrom)));
        long now = nanos.getAsLong();
        long life = lifetime.applyAsLong(value);
        entries.add(Question.of(question), embedded.result(), value, life == Long.MAX_VALUE ? NEVER : now + life);
        contexts.put(context, entries); // weighs the context again
        delivery.run(promise::complete);
      } else {
        delivery.run(() -> promise.fail(embedded.cause()));
      }
    }));
    return promise.future();
  }

  @Override
  public void purge(Predicate<Context> which) {
    // at once: a lookup that starts after the purge finds nothing (the indexes close on the matcher thread)
    contexts.asMap().keySet().removeIf(which);
  }

  /** How many questions are held, over all contexts. */
  public long size() {
    return contexts.policy().eviction().orElseThrow().weightedSize().orElse(0);
  }

  /** How long lookups that found nothing took, from call to answer (embedding and search), in nanoseconds. */
  public Histogram missLatency() {
    return missNanos.copy();
  }

  @Override
  public void close() {
    thread.execute(contexts::invalidateAll);
    thread.shutdown();
  }

  /** Runs {@code task} where the indexes live; once the matcher is closed, right here. */
  private void onMatcherThread(Runnable task) {
    try {
      thread.execute(task);
    } catch (RejectedExecutionException closed) {
      task.run();
    }
  }

  private Future<float[]> embed(String question) {
    float[] recent = recentVectors.getIfPresent(question);
    if (recent != null) return Future.succeededFuture(recent);
    // completes on the model's thread, which hands it straight to the matcher's, not via the caller's event loop
    return embedder.get().embedOnModelThread(List.of(question)).map(e -> {
      float[] vector = e.vectors().getFirst();
      recentVectors.put(question, vector);
      return vector;
    });
  }

  /** Completes a caller's future on the caller's Vert.x context, or at once when it has none. */
  private record Delivery(io.vertx.core.Context context) {
    void run(Runnable completion) {
      if (context == null) completion.run();
      else context.runOnContext(v -> completion.run());
    }
  }

  /** The questions of one context and their answers; touched only on the matcher's thread. */
  private static final class Entries<V> {
    final GrowingIndex index;
    final List<Question> questions = new ArrayList<>();
    final List<V> values = new ArrayList<>();
    final List<Long> expiries = new ArrayList<>();

    Entries(GrowingIndex index) {
      this.index = index;
    }

    int size() {
      return questions.size();
    }

    void add(Question question, float[] vector, V value, long expiresAt) {
      index.add(questions.size(), vector);
      questions.add(question);
      values.add(value);
      expiries.add(expiresAt);
    }

    Optional<Match<V>> best(String question, float[] vector, double floor, Verifier verifier, long now) {
      Question asked = null; // read only when a neighbour is close enough to need the verifier, as few are on a miss
      for (VectorIndex.Neighbour n : index.nearest(vector, CANDIDATES)) {
        if (n.similarity() < floor) break;
        long expiresAt = expiries.get(n.id());
        if (expiresAt != NEVER && expiresAt - now <= 0) continue;
        if (asked == null) asked = Question.of(question);
        Question stored = questions.get(n.id());
        if (verifier.accepts(asked, stored, n.similarity(), floor)) {
          return Optional.of(new Match<>(values.get(n.id()), stored.text(), n.similarity()));
        }
      }
      return Optional.empty();
    }
  }
}
