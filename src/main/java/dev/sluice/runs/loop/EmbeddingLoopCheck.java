package dev.sluice.runs.loop;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.provider.local.Embedder;
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
 * The {@link LoopDetector} with MiniLM near-duplicates, for callers on the event loop. The checks
 * that need no model run at once; only when none of them found a loop are the few texts the
 * near-duplicate check compares (the last K turns' outputs and results) embedded, on the
 * embedder's own thread, and the pure detector run again with their vectors. Vectors are kept in a
 * bounded cache, so each turn's texts are embedded once, not on every later call of the run.
 *
 * <p>Threading: {@link #inspect} never blocks; called on a Vert.x context, the future completes on
 * that context (the {@link Embedder} contract). If the embedder fails or is saturated, the finding
 * is the one without the near-duplicate check (never a false alarm because of a failure).
 */
public final class EmbeddingLoopCheck {

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

  /** Same contract as {@link dev.sluice.runs.LoopCheck#inspect}, with the answer arriving later. */
  public Future<Optional<LoopFinding>> inspect(List<RunCall> history, RunCall next) {
    List<Step> steps = detector.steps(history, next);
    Optional<LoopFinding> found = detector.inspect(steps, null);
    if (found.isPresent() || !detector.settings().similarity()) return Future.succeededFuture(found);
    Set<String> missing = new LinkedHashSet<>();
    Map<String, float[]> known = new HashMap<>();
    for (String text : detector.textsToCompare(steps)) {
      String key = VectorSimilarity.key(text);
      if (key.isBlank()) continue;
      float[] v = vectors.getIfPresent(key);
      if (v != null) known.put(key, v);
      else missing.add(key);
    }
    if (missing.isEmpty()) return Future.succeededFuture(detector.inspect(steps, new VectorSimilarity(known)));
    List<String> texts = new ArrayList<>(missing);
    return embedder.embed(texts)
        .map(e -> {
          for (int i = 0; i < texts.size(); i++) {
            vectors.put(texts.get(i), e.vectors().get(i));
            known.put(texts.get(i), e.vectors().get(i));
          }
          return detector.inspect(steps, new VectorSimilarity(known));
        })
        .otherwise(Optional.empty());
  }
}
