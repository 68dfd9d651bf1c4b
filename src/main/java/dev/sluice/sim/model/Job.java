package dev.sluice.sim.model;

/**
 * One inference request as the performance model sees it: sizes only, no text.
 *
 * @param id a label for logs and tests
 * @param promptTokens tokens to prefill
 * @param prefixBlocks chained hashes of the prompt's full KV blocks ({@link PrefixHashes}); a job
 *     whose leading hashes are cached skips prefilling those blocks. Empty for no prefix reuse. The
 *     array is owned by the job and must not be changed after submission.
 * @param outputTokens tokens the answer will have, decided before submission (max_tokens, stop
 *     sequences and the content's natural length are applied by the caller); 0 for prefill-only
 *     work such as embeddings
 * @param reservedOutputTokens the output budget the client asked for (max_tokens), counted by
 *     token-per-minute limits before the answer is known; at least {@code outputTokens}
 */
public record Job(String id, int promptTokens, long[] prefixBlocks, int outputTokens, int reservedOutputTokens) {
  private static final long[] NONE = new long[0];

  public Job {
    if (promptTokens < 1) throw new IllegalArgumentException("promptTokens must be at least 1, got " + promptTokens);
    if (outputTokens < 0) throw new IllegalArgumentException("outputTokens must not be negative, got " + outputTokens);
    if (prefixBlocks == null) prefixBlocks = NONE;
    reservedOutputTokens = Math.max(reservedOutputTokens, outputTokens);
  }

  /** A job whose prompt shares nothing with any other. */
  public static Job of(String id, int promptTokens, int outputTokens) {
    return new Job(id, promptTokens, NONE, outputTokens, outputTokens);
  }
}
