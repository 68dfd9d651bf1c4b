package dev.sluice.sim.model;

/**
 * How long one engine iteration (a forward pass over the batch) takes: a roofline with a fixed
 * overhead, the form inference-sim (BLIS) uses for its latency estimates.
 *
 * <pre>
 *   memory  = weightsReadMs + contextTokens / 1000 * kvReadMsPer1kTokens
 *   compute = (prefillTokens + decodeSeqs) * computeMsPerToken
 *   step    = overheadMs + decodeSeqs * perSeqMs + max(memory, compute)
 * </pre>
 *
 * A step streams the weights once and reads the KV cache of every decoding sequence (memory);
 * it multiplies every token it processes through the weights (compute). Memory traffic and
 * arithmetic overlap, so the slower of the two sets the pace: a small decode batch is
 * memory-bound (its step time barely grows with the batch), a prefill or a large batch is
 * compute-bound. The overhead is what neither explains (scheduling, kernel launches); the
 * per-sequence term is host work done for each decoding sequence that does not overlap the
 * accelerator (sampling, detokenisation, preparing inputs), large in vLLM's Python V0 engine.
 *
 * @param overheadMs fixed milliseconds per step
 * @param perSeqMs milliseconds of non-overlapped host work per decoding sequence
 * @param weightsReadMs milliseconds to stream the weights once (weight bytes / effective bandwidth)
 * @param kvReadMsPer1kTokens milliseconds to read 1,000 tokens of KV cache
 * @param computeMsPerToken milliseconds of arithmetic per token processed (2 x parameters / effective FLOP/s)
 */
public record StepCost(double overheadMs, double perSeqMs, double weightsReadMs, double kvReadMsPer1kTokens, double computeMsPerToken) {

  public StepCost {
    if (!(overheadMs >= 0) || !(perSeqMs >= 0) || !(weightsReadMs >= 0) || !(kvReadMsPer1kTokens >= 0) || !(computeMsPerToken > 0)) {
      throw new IllegalArgumentException("step cost terms must be non-negative and the compute term positive: " + this);
    }
  }

  /**
   * Emulated nanoseconds of a step that prefills {@code prefillTokens} and decodes
   * {@code decodeSeqs} sequences whose KV caches hold {@code contextTokens} tokens in all.
   */
  public long stepNanos(int prefillTokens, int decodeSeqs, long contextTokens) {
    double memory = weightsReadMs + contextTokens * kvReadMsPer1kTokens / 1000.0;
    double compute = ((long) prefillTokens + decodeSeqs) * computeMsPerToken;
    return Math.round((overheadMs + decodeSeqs * perSeqMs + Math.max(memory, compute)) * 1_000_000.0);
  }

  /** Prompt tokens per second of a long prefill (compute-bound). */
  public double prefillTokensPerSecond() {
    return 1000.0 / computeMsPerToken;
  }

  /** Milliseconds per token of one stream decoding alone with {@code contextTokens} of context. */
  public double singleStreamMs(long contextTokens) {
    return stepNanos(0, 1, contextTokens) / 1e6;
  }
}
