package dev.sluice.runs;

import dev.sluice.config.Durations;
import dev.sluice.meter.Money;
import java.time.Duration;

/**
 * Whether one more call fits in a run's limits: a pure function of the policy, what the run has
 * used and holds, and the call's worst case. The tracker applies it under the run's lock and
 * reserves the worst case when it passes, so calls of one run in parallel can never overshoot.
 */
final class RunLimits {
  private RunLimits() {}

  /** A limit the call would break: its config key, and a sentence for the caller. */
  record Breach(String limit, String message) {}

  /**
   * What one run has used and holds now.
   *
   * @param calls calls admitted so far, in flight included
   * @param tokens tokens used by finished calls; {@code reservedTokens} the worst case of those in flight
   * @param costNanos cost of finished calls; {@code reservedCostNanos} the worst case of those in flight
   */
  record Usage(long calls, long tokens, long reservedTokens, long costNanos, long reservedCostNanos, int depth,
      Duration elapsed) {}

  /** The first limit the next call would break, in the order depth, wall time, calls, tokens, cost; or null. */
  static Breach check(String run, RunPolicy p, Usage u, long worstTokens, long worstCostNanos) {
    if (u.depth() > p.maxDepth()) {
      return new Breach("max_depth", "Run " + run + " is a sub-run at depth " + u.depth()
          + ", deeper than the limit of " + p.maxDepth() + " (max_depth).");
    }
    if (u.elapsed().compareTo(p.maxWallTime()) > 0) {
      return new Breach("max_wall_time", "Run " + run + " has been running for " + Durations.format(u.elapsed())
          + ", longer than its limit of " + Durations.format(p.maxWallTime()) + " (max_wall_time).");
    }
    if (u.calls() + 1 > p.maxCalls()) {
      return new Breach("max_calls", "Run " + run + " reached its limit of " + p.maxCalls() + " calls (max_calls).");
    }
    if (u.tokens() + u.reservedTokens() + worstTokens > p.maxTokens()) {
      return new Breach("max_tokens", "Run " + run + " would exceed its limit of " + p.maxTokens()
          + " tokens (max_tokens): " + u.tokens() + " used, " + u.reservedTokens() + " held by calls in flight, and this "
          + "call could use up to " + worstTokens + ".");
    }
    if (u.costNanos() + u.reservedCostNanos() + worstCostNanos > p.maxCostNanos()) {
      return new Breach("max_cost_usd", "Run " + run + " would exceed its limit of $" + Money.ofNanos(p.maxCostNanos())
          + " (max_cost_usd): $" + Money.ofNanos(u.costNanos()) + " spent, $" + Money.ofNanos(u.reservedCostNanos())
          + " held by calls in flight, and this call could cost up to $" + Money.ofNanos(worstCostNanos) + ".");
    }
    return null;
  }
}
