package dev.sluice.sim.model;

/**
 * Chained hashes of a prompt's full KV blocks, the keys of block-level prefix caching: the hash of
 * block {@code i} covers its tokens and the hash of block {@code i-1}, so two prompts share the
 * hashes of exactly their common full-block prefix (as in vLLM's automatic prefix caching). The
 * partial last block gets no hash: it is never shared.
 */
public final class PrefixHashes {
  private PrefixHashes() {}

  /** The hashes of the full blocks of {@code tokens}, {@code blockTokens} tokens each. */
  public static long[] of(int[] tokens, int blockTokens) {
    return of(tokens, tokens.length, blockTokens);
  }

  /** The hashes of the full blocks among the first {@code length} entries of {@code tokens}. */
  public static long[] of(int[] tokens, int length, int blockTokens) {
    if (blockTokens < 1) throw new IllegalArgumentException("blockTokens must be positive");
    int blocks = length / blockTokens;
    long[] out = new long[blocks];
    long h = 0x9E3779B97F4A7C15L;
    for (int b = 0; b < blocks; b++) {
      for (int i = b * blockTokens, end = i + blockTokens; i < end; i++) {
        h = mix(h ^ (tokens[i] & 0xFFFFFFFFL));
      }
      h = mix(h + b);
      out[b] = h;
    }
    return out;
  }

  /** The SplitMix64 finaliser: a cheap, well-spread 64-bit mixing function. */
  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
