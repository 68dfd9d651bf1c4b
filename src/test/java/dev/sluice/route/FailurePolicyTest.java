package dev.sluice.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.GatewayConfig.Retry;
import dev.sluice.provider.UpstreamFailure;
import dev.sluice.provider.UpstreamFailure.TimedOut.Phase;
import dev.sluice.route.FailurePolicy.Decision;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FailurePolicyTest {
  final Retry retry = new Retry(2, Duration.ofMillis(100), Duration.ofSeconds(2));
  final Duration plenty = Duration.ofMinutes(1);

  private Decision decide(UpstreamFailure f, int retriesLeft, int tries, boolean hasNext) {
    return FailurePolicy.decide(f, retry, retriesLeft, tries, hasNext, plenty, new SplittableRandom(1));
  }

  private static UpstreamFailure.ErrorStatus status(int s, Duration retryAfter) {
    return new UpstreamFailure.ErrorStatus(s, retryAfter, "x", null, null, null);
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 413, 422})
  void theClientsOwnMistakesAreRelayed(int s) {
    assertThat(decide(status(s, null), 2, 1, true)).isInstanceOf(Decision.Relay.class);
  }

  @ParameterizedTest
  @ValueSource(ints = {401, 403, 404})
  void misconfiguredDeploymentsFallBackAtOnce(int s) {
    assertThat(decide(status(s, null), 2, 1, true)).isInstanceOf(Decision.Next.class);
  }

  @ParameterizedTest
  @ValueSource(ints = {408, 409, 429, 500, 502, 503, 504, 529})
  void transientStatusesAreRetriedWithinTheBudget(int s) {
    assertThat(decide(status(s, null), 1, 1, true)).isInstanceOf(Decision.RetrySame.class);
    assertThat(decide(status(s, null), 0, 1, true)).isInstanceOf(Decision.Next.class);
  }

  @Test
  void timeoutsBrokenConnectionsAndBadAnswersAreRetried() {
    assertThat(decide(new UpstreamFailure.TimedOut(Phase.FIRST_BYTE, Duration.ofSeconds(1)), 1, 1, true))
        .isInstanceOf(Decision.RetrySame.class);
    assertThat(decide(new UpstreamFailure.Broken("reset"), 1, 1, true)).isInstanceOf(Decision.RetrySame.class);
    assertThat(decide(new UpstreamFailure.Malformed("x"), 1, 1, true)).isInstanceOf(Decision.RetrySame.class);
  }

  @Test
  void aRefusedConnectionMovesOnUnlessNothingIsLeft() {
    UpstreamFailure refused = new UpstreamFailure.ConnectFailed("refused");
    assertThat(decide(refused, 2, 1, true)).isInstanceOf(Decision.Next.class);
    assertThat(decide(refused, 2, 1, false)).isInstanceOf(Decision.RetrySame.class);
  }

  @Test
  void retryAfterStretchesTheWaitAndAVeryLongOneMovesOn() {
    Decision d = decide(status(429, Duration.ofMillis(1500)), 2, 1, true);
    assertThat(d).isEqualTo(new Decision.RetrySame(Duration.ofMillis(1500)));

    assertThat(decide(status(429, Duration.ofSeconds(30)), 2, 1, true)).isInstanceOf(Decision.Next.class);
  }

  @Test
  void noRetryThatWouldOutliveTheDeadline() {
    Decision d = FailurePolicy.decide(status(500, null), retry, 2, 1, true, Duration.ofMillis(10), new SplittableRandom(1));
    assertThat(d).isInstanceOf(Decision.Next.class);
  }

  @Test
  void backoffGrowsExponentiallyWithJitterAndIsCapped() {
    SplittableRandom r = new SplittableRandom(5);
    for (int i = 0; i < 100; i++) {
      assertThat(FailurePolicy.backoff(retry, 1, r).toMillis()).isBetween(50L, 100L);
      assertThat(FailurePolicy.backoff(retry, 2, r).toMillis()).isBetween(100L, 200L);
      assertThat(FailurePolicy.backoff(retry, 3, r).toMillis()).isBetween(200L, 400L);
      assertThat(FailurePolicy.backoff(retry, 10, r).toMillis()).isBetween(1000L, 2000L);
    }
  }
}
