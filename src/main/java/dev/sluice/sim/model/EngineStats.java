package dev.sluice.sim.model;

/**
 * Load figures of an {@link Engine} at one instant, named after what vLLM exposes.
 *
 * @param running jobs in the running batch (or, for an API, in flight)
 * @param waiting jobs queued for a batch slot or KV space
 * @param kvCacheUsage share of KV blocks held by running jobs, 0 to 1 (0 for an API)
 * @param prefixQueriedTokens prompt tokens looked up in the prefix cache so far
 * @param prefixHitTokens of those, tokens found cached
 * @param preemptions jobs evicted from the batch because the KV cache ran out, so far
 * @param promptTokens prompt tokens admitted so far
 * @param generationTokens output tokens produced so far
 * @param rejected jobs refused so far (rate limits, background errors, too long)
 */
public record EngineStats(int running, int waiting, double kvCacheUsage, long prefixQueriedTokens,
    long prefixHitTokens, long preemptions, long promptTokens, long generationTokens, long rejected) {

  /** Prefix-cache hit rate over all lookups so far, 0 to 1. */
  public double prefixHitRate() {
    return prefixQueriedTokens == 0 ? 0 : (double) prefixHitTokens / prefixQueriedTokens;
  }
}
