package dev.sluice.route;

import dev.sluice.config.GatewayConfig.Retry;
import dev.sluice.provider.UpstreamFailure;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * What to do after a failed attempt: a pure decision over the failure, the retry budget left and
 * the time left. The rules:
 *
 * <ul>
 *   <li>The upstream refused the request itself (400, 413, 422 and other 4xx): relay its error to
 *       the client; another deployment would refuse it too.
 *   <li>401, 403, 404 say the deployment is misconfigured (key, model name): fall back at once.
 *   <li>Timeouts, broken connections, malformed answers, 408, 409, 429 and 5xx are transient:
 *       retry the same deployment after an exponential backoff with jitter, while the request's
 *       retry budget lasts; a {@code Retry-After} stretches the wait, and one longer than
 *       {@code max_backoff} moves on to the next deployment instead of waiting.
 *   <li>A refused connection means nothing was sent and the deployment is unreachable: fall back
 *       at once when another deployment is left, retry only when none is.
 * </ul>
 */
public final class FailurePolicy {
  private FailurePolicy() {}

  /** The decision. */
  public sealed interface Decision {
    /** Try the same target again after {@code delay}. */
    record RetrySame(Duration delay) implements Decision {}

    /** Move on to the next target in the plan. */
    record Next() implements Decision {}

    /** Stop and give the client the upstream's own error. */
    record Relay(UpstreamFailure.ErrorStatus error) implements Decision {}
  }

  /**
   * @param retriesLeft retries left in the request's budget
   * @param triesOnTarget attempts already made on this target (1 after the first)
   * @param hasNextTarget whether the plan has another target after this one
   * @param remaining time left before the request's deadline
   */
  public static Decision decide(UpstreamFailure failure, Retry retry, int retriesLeft, int triesOnTarget,
      boolean hasNextTarget, Duration remaining, RandomGenerator random) {
    Duration backoff = backoff(retry, triesOnTarget, random);
    return switch (failure) {
      case UpstreamFailure.Skipped s -> new Decision.Next();
      case UpstreamFailure.ErrorStatus e -> {
        int status = e.status();
        if (status == 401 || status == 403 || status == 404) yield new Decision.Next();
        if (status >= 400 && status < 500 && status != 408 && status != 409 && status != 429) {
          yield new Decision.Relay(e);
        }
        if (e.retryAfter() != null) {
          if (e.retryAfter().compareTo(retry.maxBackoff()) > 0 && hasNextTarget) yield new Decision.Next();
          Duration wait = e.retryAfter().compareTo(backoff) > 0 ? e.retryAfter() : backoff;
          yield retryOrNext(wait, retriesLeft, remaining);
        }
        yield retryOrNext(backoff, retriesLeft, remaining);
      }
      case UpstreamFailure.ConnectFailed c -> hasNextTarget ? new Decision.Next() : retryOrNext(backoff, retriesLeft, remaining);
      case UpstreamFailure.TimedOut t -> retryOrNext(backoff, retriesLeft, remaining);
      case UpstreamFailure.Broken b -> retryOrNext(backoff, retriesLeft, remaining);
      case UpstreamFailure.Malformed m -> retryOrNext(backoff, retriesLeft, remaining);
    };
  }

  /** Whether a failure counts against the deployment's health (its circuit breaker). */
  public static boolean isDeploymentFault(UpstreamFailure failure) {
    return switch (failure) {
      case UpstreamFailure.ErrorStatus e -> e.status() >= 500 || e.status() == 401 || e.status() == 403
          || e.status() == 404 || e.status() == 408;
      case UpstreamFailure.Skipped s -> false;
      default -> true;
    };
  }

  private static Decision retryOrNext(Duration delay, int retriesLeft, Duration remaining) {
    if (retriesLeft > 0 && delay.compareTo(remaining) < 0) return new Decision.RetrySame(delay);
    return new Decision.Next();
  }

  /** Exponential backoff with equal jitter: half the step is fixed, half random. */
  static Duration backoff(Retry retry, int triesOnTarget, RandomGenerator random) {
    long initial = retry.initialBackoff().toNanos();
    long max = retry.maxBackoff().toNanos();
    int shift = Math.min(30, Math.max(0, triesOnTarget - 1));
    long step = Math.min(max, initial << shift);
    if (step <= 0) step = max;
    long half = step / 2;
    return Duration.ofNanos(half + (half > 0 ? random.nextLong(half + 1) : 0));
  }
}
