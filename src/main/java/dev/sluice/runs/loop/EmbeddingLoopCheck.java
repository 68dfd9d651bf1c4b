package dev.sluice.runs.loop;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.provider.local.Embedder;
import dev.sluice.runs.LoopFinding;
import dev.sluice.runs.PreparingLoopCheck;
import dev.sluice.runs.RunCall;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The {@link LoopDetector} with MiniLM near-duplicates. The model runs on the embedder's own
 * thread, never on the caller's, so the work is split:
 *
 * <ol>
 *   <li>{@link #answered} starts embedding what the model just said, as soon as its answer is known:
 *       the next call's check compares it, and by the time the agent has run its tools and called
 *       again, its vector is usually there;
 *   <li>{@link #prepare} (asynchronous) makes sure the last K turns' outputs have vectors (it waits
 *       only for those still being embedded or never seen) and, only when those outputs are
 *       near-duplicates one to the next, embeds the results the turns got (the newest of which
 *       arrive with the call itself). An agent that is getting somewhere says different things, so
 *       its calls wait for no embedding at all;
 *   <li>{@link #inspect} (synchronous, cheap, safe on the event loop and under a lock) runs the pure
 *       detector with a {@link VectorSimilarity} over the vectors at hand.
 * </ol>
 *
 * Given the vectors, {@link #inspect} is a pure function of its arguments. A text whose vector is
 * not there (prepare not called, still running, or failed) is similar to nothing: a slow or failed
 * embedder can delay a {@code no_progress} finding, never cause a false one. Each text is embedded
 * once: vectors (and embeddings in progress) are kept in a bounded cache shared by all runs.
 * {@link #inspectAsync} does prepare and inspect. Thread-safe.
 */
public final class EmbeddingLoopCheck implements PreparingLoopCheck {

  private final LoopDetector detector;
  private final Supplier<Embedder> embedder;
  private final Cache<String, Future<float[]>> vectors;

  /** @param maxVectors how many texts' vectors to keep (about 1.5 KiB each for MiniLM) */
  public EmbeddingLoopCheck(LoopSettings settings, Embedder embedder, long maxVectors) {
    this(settings, () -> embedder, maxVectors);
  }

  /**
   * @param embedder the embedder, asked for on the first text to embed (so a gateway whose runs
   *     never call starts no model)
   * @param maxVectors how many texts' vectors to keep (about 1.5 KiB each for MiniLM)
   */
  public EmbeddingLoopCheck(LoopSettings settings, Supplier<Embedder> embedder, long maxVectors) {
    this.detector = new LoopDetector(settings, null);
    this.embedder = embedder;
    this.vectors = Caffeine.newBuilder().maximumSize(maxVectors).build();
  }

  public LoopSettings settings() {
    return detector.settings();
  }

  @Override
  public void answered(ObjectNode assistantMessage) {
    if (detector.settings().similarity()) embed(List.of(Step.outputOf(assistantMessage)));
  }

  /**
   * Embeds what {@link #inspect} will compare for {@code next}: the outputs of the last K turns,
   * then their results only if the outputs are near-duplicates. Never fails: an embedder error
   * leaves the vectors missing. Called on a Vert.x context; may complete on another.
   */
  @Override
  public Future<Void> prepare(List<RunCall> history, RunCall next) {
    if (!detector.settings().similarity()) return Future.succeededFuture();
    List<Step> turns = detector.lastTurns(detector.steps(history, next));
    if (turns.size() < detector.settings().repeatThreshold()) return Future.succeededFuture();
    List<String> outputs = new ArrayList<>(turns.size());
    for (Step s : turns) outputs.add(s.output());
    return embed(outputs).compose(v -> {
      if (!nearDuplicates(outputs)) return Future.succeededFuture();
      List<String> inputs = new ArrayList<>(turns.size());
      for (Step s : turns) inputs.add(s.input());
      return embed(inputs);
    });
  }

  /** Whether each output is a near-duplicate of the one before, by the vectors at hand. */
  private boolean nearDuplicates(List<String> outputs) {
    VectorSimilarity similarity = new VectorSimilarity(known(outputs));
    for (int i = 1; i < outputs.size(); i++) {
      if (similarity.similarity(outputs.get(i - 1), outputs.get(i)) < detector.settings().similarityThreshold()) {
        return false;
      }
    }
    return true;
  }

  /** Starts embedding the texts not kept or in progress; completes, never failing, when all are done. */
  private Future<Void> embed(List<String> texts) {
    Set<String> missing = new LinkedHashSet<>();
    List<Future<float[]>> pending = new ArrayList<>();
    for (String text : texts) {
      String key = VectorSimilarity.key(text);
      if (key.isBlank()) continue;
      Future<float[]> kept = vectors.getIfPresent(key);
      if (kept == null) missing.add(key);
      else if (!kept.isComplete()) pending.add(kept);
    }
    if (!missing.isEmpty()) {
      List<String> batch = new ArrayList<>(missing);
      Future<Embedder.Embeddings> embedded;
      try {
        embedded = embedder.get().embed(batch);
      } catch (RuntimeException e) {
        embedded = Future.failedFuture(e);
      }
      for (int i = 0; i < batch.size(); i++) {
        int at = i;
        String key = batch.get(i);
        Future<float[]> vector = embedded.map(e -> e.vectors().get(at));
        vectors.put(key, vector);
        vector.onFailure(err -> vectors.asMap().remove(key, vector)); // tried again by a later call
        pending.add(vector);
      }
    }
    if (pending.isEmpty()) return Future.succeededFuture();
    return Future.join(pending).<Void>mapEmpty().otherwiseEmpty();
  }

  /** The vectors at hand for these texts, by key. */
  private Map<String, float[]> known(List<String> texts) {
    Map<String, float[]> out = new HashMap<>();
    for (String text : texts) {
      String key = VectorSimilarity.key(text);
      Future<float[]> v = vectors.getIfPresent(key);
      if (v != null && v.succeeded()) out.put(key, v.result());
    }
    return out;
  }

  @Override
  public Optional<LoopFinding> inspect(List<RunCall> history, RunCall next) {
    List<Step> steps = detector.steps(history, next);
    Map<String, float[]> known = detector.settings().similarity() ? known(detector.textsToCompare(steps)) : Map.of();
    return detector.inspect(steps, new VectorSimilarity(known));
  }

  /** {@link #prepare}, then {@link #inspect}. */
  public Future<Optional<LoopFinding>> inspectAsync(List<RunCall> history, RunCall next) {
    return prepare(history, next).map(v -> inspect(history, next));
  }
}
