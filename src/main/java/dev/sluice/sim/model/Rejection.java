package dev.sluice.sim.model;

/** Why an {@link Engine} refused a job. */
public sealed interface Rejection {

  /** A human-readable reason, written for the developer who sent the request. */
  String message();

  /**
   * A requests- or tokens-per-minute limit is exhausted.
   *
   * @param retryAfterNanos emulated time after which the same job would be admitted, or -1 when no
   *     wait helps (the job alone exceeds the limit)
   */
  record RateLimited(Limit limit, long used, long max, long retryAfterNanos) implements Rejection {
    public enum Limit { REQUESTS, TOKENS }

    @Override
    public String message() {
      String unit = limit == Limit.REQUESTS ? "requests per min (RPM)" : "tokens per min (TPM)";
      if (retryAfterNanos < 0) {
        return "Request too large: it needs " + used + " tokens but the limit is " + max + " " + unit + ".";
      }
      return "Rate limit reached on " + unit + ": Limit " + max + ", Used " + used
          + ". Please try again in " + Math.max(1, retryAfterNanos / 1_000_000) + "ms.";
    }
  }

  /** The prompt plus the requested output do not fit the model's context or the whole KV cache. */
  record TooLong(int requestedTokens, int maxTokens) implements Rejection {
    @Override
    public String message() {
      return "This model's maximum context length is " + maxTokens + " tokens. However, you requested "
          + requestedTokens + " tokens (prompt plus completion). Please reduce the length of the messages or completion.";
    }
  }

  /** A background server error drawn at the profile's error rate. */
  record ServerError(String message) implements Rejection {}
}
