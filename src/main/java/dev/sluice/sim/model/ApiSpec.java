package dev.sluice.sim.model;

/**
 * The observable behaviour of a cloud API, whose servers we cannot see: a time-to-first-token
 * distribution, an output speed, rate limits and a background error rate.
 *
 * @param ttftMedianMs median time to first token for a short prompt, in milliseconds
 * @param ttftSigma spread of the time to first token: the standard deviation of its logarithm
 *     (log-normal)
 * @param promptTokensPerSecond how fast the time to first token grows with the prompt; 0 for not at all
 * @param outputTokensPerSecond tokens per second after the first
 * @param requestsPerMinute RPM limit, 0 for none
 * @param tokensPerMinute TPM limit (prompt plus requested output), 0 for none
 * @param errorRate share of requests that fail with a server error, 0 to 1
 * @param maxContextTokens prompt plus output may not exceed this
 * @param promptCache the provider's automatic prompt cache, or {@code null} for none
 */
public record ApiSpec(double ttftMedianMs, double ttftSigma, double promptTokensPerSecond, double outputTokensPerSecond,
    long requestsPerMinute, long tokensPerMinute, double errorRate, int maxContextTokens, PromptCache promptCache) {

  /**
   * An automatic prompt cache like OpenAI's: prompts of at least {@code minTokens} tokens are
   * cached in blocks of {@code blockTokens}; a later prompt sharing a cached prefix is billed at
   * the cached-input price for it and prefills only the rest. Entries expire after
   * {@code ttlSeconds} without use.
   */
  public record PromptCache(int minTokens, int blockTokens, double ttlSeconds) {
    public PromptCache {
      if (minTokens < 1 || blockTokens < 1 || !(ttlSeconds > 0)) {
        throw new IllegalArgumentException("prompt cache sizes and TTL must be positive");
      }
    }
  }

  public ApiSpec {
    if (!(ttftMedianMs > 0)) throw new IllegalArgumentException("ttftMedianMs must be positive");
    if (!(ttftSigma >= 0)) throw new IllegalArgumentException("ttftSigma must not be negative");
    if (!(promptTokensPerSecond >= 0)) throw new IllegalArgumentException("promptTokensPerSecond must not be negative");
    if (!(outputTokensPerSecond > 0)) throw new IllegalArgumentException("outputTokensPerSecond must be positive");
    if (requestsPerMinute < 0 || tokensPerMinute < 0) throw new IllegalArgumentException("limits must not be negative");
    if (!(errorRate >= 0 && errorRate <= 1)) throw new IllegalArgumentException("errorRate must be between 0 and 1");
    if (maxContextTokens < 2) throw new IllegalArgumentException("maxContextTokens must be at least 2");
  }
}
