package dev.sluice.runs.loop;

/**
 * How eagerly the {@link LoopDetector} calls a run stuck.
 *
 * @param repeatThreshold K: how many repetitions make a loop ({@code runs.loops.repeat_threshold});
 *     at least 2. A loop is reported at the latest on the call after the K-th repetition, so at most
 *     K calls of a loop get through
 * @param window how many of the run's most recent calls are looked at; at least {@code 2 * K}
 * @param similarityThreshold the similarity (0..1) from which two texts count as near-duplicates
 *     for {@code no_progress}
 * @param similarity whether the {@code no_progress} check (near-duplicate outputs) runs at all
 */
public record LoopSettings(int repeatThreshold, int window, double similarityThreshold, boolean similarity) {

  /** K = 3 over the last 20 calls; near-duplicates from a MiniLM cosine similarity of 0.9. */
  public static final LoopSettings DEFAULT = new LoopSettings(3, 20, 0.9, true);

  public LoopSettings {
    if (repeatThreshold < 2) {
      throw new IllegalArgumentException("repeat_threshold must be at least 2, was " + repeatThreshold);
    }
    if (window < 2 * repeatThreshold) {
      throw new IllegalArgumentException("window must be at least twice repeat_threshold (" + 2 * repeatThreshold
          + "), was " + window);
    }
    if (!(similarityThreshold > 0 && similarityThreshold <= 1)) {
      throw new IllegalArgumentException("similarity threshold must be in (0, 1], was " + similarityThreshold);
    }
  }

  public LoopSettings withRepeatThreshold(int k) {
    return new LoopSettings(k, Math.max(window, 2 * k), similarityThreshold, similarity);
  }

  public LoopSettings withSimilarity(boolean on, double threshold) {
    return new LoopSettings(repeatThreshold, window, threshold, on);
  }
}
