package dev.sluice.sim.model;

import java.util.ArrayDeque;

/**
 * Requests-per-window and tokens-per-window limits over a sliding window, the way cloud APIs
 * enforce RPM and TPM: a request is admitted only if, counting it, the admitted requests and
 * tokens of the last {@code window} stay within both limits. The refusal says when the same
 * request would be admitted (the moment enough old entries leave the window), which becomes the
 * {@code Retry-After} of a 429.
 *
 * <p>Exact: over any window-long interval, admitted requests never exceed the request limit and
 * admitted tokens never exceed the token limit. Not thread-safe.
 */
public final class SlidingWindowLimiter {
  private final long windowNanos;
  private final long maxRequests;
  private final long maxTokens;
  private final ArrayDeque<long[]> admitted = new ArrayDeque<>();
  private long tokensInWindow;

  /**
   * @param maxRequests requests per window, 0 for no limit
   * @param maxTokens tokens per window, 0 for no limit
   */
  public SlidingWindowLimiter(long windowNanos, long maxRequests, long maxTokens) {
    if (windowNanos <= 0) throw new IllegalArgumentException("window must be positive");
    this.windowNanos = windowNanos;
    this.maxRequests = maxRequests;
    this.maxTokens = maxTokens;
  }

  /** Admits a request of {@code tokens} at {@code now}, or says which limit refused it and for how long. */
  public Rejection.RateLimited tryAcquire(long now, long tokens) {
    while (!admitted.isEmpty() && admitted.peekFirst()[0] <= now - windowNanos) {
      tokensInWindow -= admitted.pollFirst()[1];
    }
    if (maxRequests > 0 && admitted.size() + 1 > maxRequests) {
      long wait = admitted.peekFirst()[0] + windowNanos - now;
      return new Rejection.RateLimited(Rejection.RateLimited.Limit.REQUESTS, admitted.size(), maxRequests, wait);
    }
    if (maxTokens > 0) {
      if (tokens > maxTokens) {
        return new Rejection.RateLimited(Rejection.RateLimited.Limit.TOKENS, tokens, maxTokens, -1);
      }
      if (tokensInWindow + tokens > maxTokens) {
        long excess = tokensInWindow + tokens - maxTokens;
        long wait = 0;
        for (long[] e : admitted) {
          excess -= e[1];
          if (excess <= 0) {
            wait = e[0] + windowNanos - now;
            break;
          }
        }
        return new Rejection.RateLimited(Rejection.RateLimited.Limit.TOKENS, tokensInWindow, maxTokens, wait);
      }
    }
    admitted.addLast(new long[] {now, tokens});
    tokensInWindow += tokens;
    return null;
  }
}
