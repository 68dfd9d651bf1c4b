package dev.sluice.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.GatewayConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
  static final long MS = 1_000_000L;
  final GatewayConfig.CircuitBreaker config =
      new GatewayConfig.CircuitBreaker(3, 0.5, 10, Duration.ofSeconds(10), Duration.ofSeconds(5));
  final CircuitBreaker breaker = new CircuitBreaker(config);

  @Test
  void opensAfterConsecutiveFailures() {
    breaker.onFailure(0);
    breaker.onFailure(1);
    assertThat(breaker.tryAcquire(2)).isTrue();
    breaker.onFailure(3);

    assertThat(breaker.state(4)).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(breaker.tryAcquire(4)).isFalse();
    assertThat(breaker.nanosUntilProbe(4)).isEqualTo(5_000 * MS - 1);
  }

  @Test
  void aSuccessResetsTheConsecutiveCount() {
    breaker.onFailure(0);
    breaker.onFailure(1);
    breaker.onSuccess(2);
    breaker.onFailure(3);
    breaker.onFailure(4);

    assertThat(breaker.state(5)).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void opensOnTheFailureRatioWithinTheWindow() {
    long t = 0;
    for (int i = 0; i < 10; i++) {
      t += 100 * MS;
      if (i % 2 == 1) breaker.onFailure(t); else breaker.onSuccess(t);
      if (i < 9) assertThat(breaker.state(t)).isEqualTo(CircuitBreaker.State.CLOSED);
    }
    // the tenth attempt brings the window to min_requests with half of them failed
    assertThat(breaker.state(t)).isEqualTo(CircuitBreaker.State.OPEN);
  }

  @Test
  void oldFailuresLeaveTheWindow() {
    long t = 0;
    for (int i = 0; i < 9; i++) {
      t += 100 * MS;
      if (i % 2 == 0) breaker.onFailure(t); else breaker.onSuccess(t);
    }
    t += 20_000 * MS; // the window is 10 s: all of that is forgotten
    breaker.onSuccess(t);
    breaker.onFailure(t + 1);
    assertThat(breaker.state(t + 2)).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void afterTheCooldownOneProbeGoesThroughAndDecides() {
    for (int i = 0; i < 3; i++) breaker.onFailure(i);
    long later = 5_000 * MS + 10;

    assertThat(breaker.state(later)).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    assertThat(breaker.tryAcquire(later)).isTrue();
    assertThat(breaker.tryAcquire(later)).as("only one probe at a time").isFalse();
    breaker.onFailure(later + 1);
    assertThat(breaker.state(later + 2)).isEqualTo(CircuitBreaker.State.OPEN);

    long again = later + 1 + 5_000 * MS;
    assertThat(breaker.tryAcquire(again)).isTrue();
    breaker.onSuccess(again + 1);
    assertThat(breaker.state(again + 2)).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(breaker.tryAcquire(again + 3)).isTrue();
    assertThat(breaker.tryAcquire(again + 3)).isTrue();
  }

  @Test
  void aNeutralOutcomeReleasesTheProbe() {
    for (int i = 0; i < 3; i++) breaker.onFailure(i);
    long later = 5_000 * MS + 10;
    assertThat(breaker.tryAcquire(later)).isTrue();
    breaker.onNeutral();
    assertThat(breaker.tryAcquire(later)).isTrue();
  }
}
