package dev.sluice.meter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.meter.HourlyCost.Handle;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

class HourlyCostTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MINUTE = 60 * SECOND;

  /** A clock that moves only when told. */
  private static final class FakeClock {
    final AtomicLong now = new AtomicLong(1_000 * SECOND); // not zero: only differences matter

    long read() {
      return now.get();
    }

    void advance(long nanos) {
      now.addAndGet(nanos);
    }
  }

  private final FakeClock clock = new FakeClock();

  @Test
  void oneRequestAloneForAnHourPaysTheWholeHour() {
    HourlyCost gpu = new HourlyCost(Money.parse("3.99"), clock::read);
    Handle a = gpu.start();
    clock.advance(60 * MINUTE);
    assertThat(gpu.finish(a)).isEqualTo(Money.parse("3.99"));
    assertThat(gpu.idleCost()).isEqualTo(Money.ZERO);
  }

  @Test
  void twoRequestsOverlappingHalfTheirTimeShareTheOverlap() {
    // $3.60 an hour is $0.001 a second.
    HourlyCost gpu = new HourlyCost(Money.parse("3.60"), clock::read);
    Handle a = gpu.start(); // t = 0
    clock.advance(5 * SECOND);
    Handle b = gpu.start(); // t = 5
    clock.advance(5 * SECOND);
    Money aCost = gpu.finish(a); // t = 10
    clock.advance(5 * SECOND);
    Money bCost = gpu.finish(b); // t = 15

    // A: 0-5 s alone = 5 × 0.001 = 0.005; 5-10 s shared by two = 5 × 0.001 / 2 = 0.0025; total 0.0075.
    assertThat(aCost).isEqualTo(Money.parse("0.0075"));
    // B: 5-10 s shared = 0.0025; 10-15 s alone = 0.005; total 0.0075.
    assertThat(bCost).isEqualTo(Money.parse("0.0075"));
    assertThat(gpu.idleCost()).isEqualTo(Money.ZERO);
  }

  @Test
  void aShortRequestInsideALongOneAtANonRoundRate() {
    HourlyCost gpu = new HourlyCost(Money.parse("3.99"), clock::read);
    Handle a = gpu.start(); // minute 0
    clock.advance(15 * MINUTE);
    Handle b = gpu.start(); // minute 15
    clock.advance(30 * MINUTE);
    Money bCost = gpu.finish(b); // minute 45
    clock.advance(15 * MINUTE);
    Money aCost = gpu.finish(a); // minute 60

    // B: 30 min shared by two = 3.99 × 0.5 h / 2 = 0.9975.
    assertThat(bCost).isEqualTo(Money.parse("0.9975"));
    // A: 15 min alone (0.9975) + 30 min shared (0.9975) + 15 min alone (0.9975) = 2.9925.
    assertThat(aCost).isEqualTo(Money.parse("2.9925"));
    assertThat(aCost.plus(bCost)).isEqualTo(Money.parse("3.99"));
  }

  @Test
  void timeWithNothingInFlightIsIdleCostReportedApart() {
    HourlyCost gpu = new HourlyCost(Money.parse("3.60"), clock::read); // $0.001 a second
    clock.advance(10 * SECOND); // idle 10 s = 0.010
    assertThat(gpu.idleCost()).isEqualTo(Money.parse("0.010"));
    Handle a = gpu.start();
    clock.advance(4 * SECOND); // busy 4 s = 0.004, to the request
    assertThat(gpu.idleCost()).isEqualTo(Money.parse("0.010"));
    assertThat(gpu.finish(a)).isEqualTo(Money.parse("0.004"));
    clock.advance(6 * SECOND); // idle 6 s more = 0.006
    assertThat(gpu.idleCost()).isEqualTo(Money.parse("0.016"));
    assertThat(gpu.inFlight()).isZero();
  }

  @Test
  void threeWayThenTwoWaySharesAddUpToTheHour() {
    // $3.60 an hour = $0.001 a second.
    HourlyCost gpu = new HourlyCost(Money.parse("3.60"), clock::read);
    Handle a = gpu.start();
    Handle b = gpu.start();
    Handle c = gpu.start();
    clock.advance(3 * SECOND); // 0.003 / 3 = 0.001 each
    Money cCost = gpu.finish(c);
    clock.advance(2 * SECOND); // 0.002 / 2 = 0.001 each
    Money bCost = gpu.finish(b);
    clock.advance(1 * SECOND); // 0.001 to A alone
    Money aCost = gpu.finish(a);

    assertThat(cCost).isEqualTo(Money.parse("0.001"));
    assertThat(bCost).isEqualTo(Money.parse("0.002"));
    assertThat(aCost).isEqualTo(Money.parse("0.003"));
  }

  @Test
  void longIdleStretchesAtHighRatesDoNotOverflow() {
    HourlyCost gpu = new HourlyCost(Money.parse("98.32"), clock::read); // an 8 × H100 node
    clock.advance(24 * 60 * MINUTE); // a day idle: 2,359.68
    assertThat(gpu.idleCost()).isEqualTo(Money.parse("2359.68"));
    Handle a = gpu.start();
    clock.advance(30 * MINUTE);
    assertThat(gpu.finish(a)).isEqualTo(Money.parse("49.16"));
  }

  @Test
  void aHandleIsFinishedOnceAndOnlyByItsOwnAccountant() {
    HourlyCost gpu = new HourlyCost(Money.parse("1"), clock::read);
    HourlyCost other = new HourlyCost(Money.parse("1"), clock::read);
    Handle a = gpu.start();
    gpu.finish(a);
    assertThatThrownBy(() -> gpu.finish(a)).isInstanceOf(IllegalStateException.class);
    Handle b = gpu.start();
    assertThatThrownBy(() -> other.finish(b)).isInstanceOf(IllegalArgumentException.class);
    assertThat(gpu.inFlight()).isEqualTo(1);
  }

  @Test
  void concurrentRequestsShareExactlyWhatTheDeploymentCost() throws InterruptedException {
    HourlyCost gpu = new HourlyCost(Money.parse("3.99"), clock::read);
    LongAdder shares = new LongAdder();
    List<Thread> threads = new ArrayList<>();
    int requestsPerThread = 2_000;
    for (int t = 0; t < 8; t++) {
      threads.add(Thread.ofPlatform().start(() -> {
        for (int i = 0; i < requestsPerThread; i++) {
          Handle h = gpu.start();
          clock.advance(ThreadLocalRandom.current().nextLong(1, 50_000_000)); // up to 50 ms
          shares.add(gpu.finish(h).nanos());
          clock.advance(ThreadLocalRandom.current().nextLong(0, 5_000_000));
        }
      }));
    }
    for (Thread t : threads) t.join();

    long elapsed = clock.read() - 1_000 * SECOND;
    Money hourly = Money.ofUsd(new BigDecimal("3.99").multiply(BigDecimal.valueOf(elapsed))
        .divide(BigDecimal.valueOf(60 * MINUTE), 12, RoundingMode.HALF_EVEN));
    long accounted = shares.sum() + gpu.idleCost().nanos();
    // Each request's share is rounded to the nano-dollar once; the rest is exact to a pico-dollar.
    assertThat(Math.abs(accounted - hourly.nanos())).isLessThanOrEqualTo(8 * requestsPerThread);
    assertThat(gpu.inFlight()).isZero();
  }
}
