package dev.sluice.sim.fault;

import java.util.List;

/**
 * Faults an emulated server injects on its own, as shares of requests (0 to 1, drawn
 * independently in this order: outage windows first, then 500, 429, hang, reset, malformed, slow).
 * All zero by default: faults are a test knob, not a property of the hardware.
 *
 * @param serverErrorRate share answered 500 at once
 * @param rateLimitRate share answered 429 with {@code Retry-After}
 * @param hangRate share never answered (the client's timeout fires)
 * @param resetRate share whose connection is reset mid-answer (after {@code resetAfterTokens} tokens of a stream, or before a non-streamed body)
 * @param malformedRate share answered 200 with a body (or stream event) that is not JSON
 * @param slowRate share streamed slowly: {@code slowTokenDelayMs} extra per token
 * @param slowTokenDelayMs extra emulated milliseconds per token of a slow stream
 * @param resetAfterTokens tokens streamed before a reset
 * @param retryAfterSeconds the {@code Retry-After} of an injected 429, in emulated seconds
 * @param outages windows of emulated time, from server start, in which every request gets 503
 */
public record FaultSpec(double serverErrorRate, double rateLimitRate, double hangRate, double resetRate,
    double malformedRate, double slowRate, double slowTokenDelayMs, int resetAfterTokens, double retryAfterSeconds,
    List<Outage> outages) {

  public static final FaultSpec NONE = new FaultSpec(0, 0, 0, 0, 0, 0, 200, 3, 1, List.of());

  public FaultSpec {
    outages = List.copyOf(outages);
    double sum = serverErrorRate + rateLimitRate + hangRate + resetRate + malformedRate + slowRate;
    if (sum > 1 + 1e-9) throw new IllegalArgumentException("fault rates add up to " + sum + ", more than 1");
  }

  /**
   * Every {@code everySeconds} (or once, when 0) from {@code startSeconds} after start, for
   * {@code durationSeconds}, the server answers 503.
   */
  public record Outage(double startSeconds, double durationSeconds, double everySeconds) {
    /** Whether emulated time {@code seconds} after start falls in this outage. */
    public boolean covers(double seconds) {
      if (seconds < startSeconds) return false;
      double into = seconds - startSeconds;
      if (everySeconds > 0) into %= everySeconds;
      return into < durationSeconds;
    }
  }
}
