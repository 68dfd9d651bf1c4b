package dev.sluice.runs.loop;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.provider.local.Embedder;
import dev.sluice.runs.LoopCheck;
import dev.sluice.runs.LoopFinding;
import dev.sluice.runs.RunCall;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link LoopDetector} with MiniLM near-duplicates. The model runs on the embedder's own
 * thread, never on the caller's, so the work is split in two:
 *
 * <ol>
 *   <li>{@link #prepare} (asynchronous) embeds the few texts that the near-duplicate check will
 *       compare for this call (the last K turns' outputs and results) unless their vectors are
 *       already kept, and completes when they are;
 *   <li>{@link #inspect} (synchronous, cheap, safe on the event loop and under a lock) runs the pure
 *       detector with a {@link VectorSimilarity} over the kept vectors.
 * </ol>
 *
 * Given the vectors, {@link #inspect} is a pure function of its arguments. A text whose vector is
 * not there (prepare not called, still running, or failed) is similar to nothing: a slow or failed
 * embedder can delay a {@code no_progress} finding, never cause a false one. Each turn's texts are
 * embedded once: vectors are kept in a bounded cache shared by all runs. {@link #inspectAsync} does
 * both steps. Thread-safe.
 */
public final class EmbeddingLoopCheck implements LoopCheck {

  private final LoopDetector detector;
  private final Embedder embedder;
  private final Cache<String, float[]> vectors;

  /** @param maxVectors how many texts' vectors to keep (about 1.5 KiB each for MiniLM) */
  public EmbeddingLoopCheck(LoopSettings settings, Embedder embedder, long maxVectors) {
    this.detector = new LoopDetector(settings, null);
    this.embedder = embedder;
    this.vectors = Caffeine.newBuilder().maximumSize(maxVectors).build();
  }

  public LoopSettings settings() {
    return detector.settings();
  }

  /**
   * Embeds what {@link #inspect} will compare for {@code next}. Never fails: an embedder error
   * leaves the vectors missing. Called on a Vert.x context, completes on it.
   */
  public Future<Void> prepare(List<RunCall> history, RunCall next) {
    if (!detector.settings().similarity()) return Future.succeededFuture();
    Set<String> missing = new LinkedHashSet<>();
    for (String text : detector.textsToCompare(detector.steps(history, next))) {
      String key = VectorSimilarity.key(text);
      if (!key.isBlank() && vectors.getIfPresent(key) == null) missing.add(key);
    }
    if (missing.isEmpty()) return Future.succeededFuture();
    List<String> texts = new ArrayList<>(missing);
    return embedder.embed(texts)
        .<Void>map(e -> {
          for (int i = 0; i < texts.size(); i++) vectors.put(texts.get(i), e.vectors().get(i));
          return null;
        })
        .otherwiseEmpty();
  }

  @Override
  public Optional<LoopFinding> inspect(List<RunCall> history, RunCall next) {
    List<Step> steps = detector.steps(history, next);
    Map<String, float[]> known = new HashMap<>();
    if (detector.settings().similarity()) {
      for (String text : detector.textsToCompare(steps)) {
        String key = VectorSimilarity.key(text);
        float[] v = vectors.getIfPresent(key);
        if (v != null) known.put(key, v);
      }
    }
    return detector.inspect(steps, new VectorSimilarity(known));
  }

  /** {@link #prepare}, then {@link #inspect}. */
  public Future<Optional<LoopFinding>> inspectAsync(List<RunCall> history, RunCall next) {
    return prepare(history, next).map(v -> inspect(history, next));
  }
}
