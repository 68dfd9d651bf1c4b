package dev.sluice.admit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.store.Budgets.Budget;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BudgetGuardTest {
  static final long CENT = 10_000_000L; // nano-dollars
  final Instant now = Instant.parse("2026-11-26T10:00:00Z");
  final BudgetGuard guard = new BudgetGuard(ZoneId.of("UTC"));

  static Budget budget(String id, long amount, String action, List<Double> alertAt) {
    return new Budget(id, "tenant", "acme", null, amount, "day", action, alertAt, null, Instant.EPOCH);
  }

  @Test
  void parallelRequestsNeverTogetherSpendMoreThanTheBudget() throws Exception {
    Budget b = budget("bud_a", 20 * CENT, "block", List.of());
    guard.load(b, now, 0);
    int threads = 200;
    ExecutorService pool = Executors.newFixedThreadPool(32);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger admitted = new AtomicInteger();
    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      done.add(pool.submit(() -> {
        start.await();
        if (guard.reserve(List.of(b), CENT, now) instanceof BudgetGuard.Decision.Reserved r) {
          admitted.incrementAndGet();
          Thread.sleep(ThreadLocalRandom.current().nextInt(3));
          r.reservation().settle(CENT - ThreadLocalRandom.current().nextLong(CENT / 2)); // actual <= estimate
        }
        return null;
      }));
    }
    start.countDown();
    for (var f : done) f.get();
    pool.shutdown();

    long[] totals = guard.totals(b, now);
    assertThat(totals[1]).as("nothing left reserved").isZero();
    assertThat(totals[0]).as("spent").isLessThanOrEqualTo(20 * CENT);
    assertThat(admitted.get()).isGreaterThanOrEqualTo(20);
  }

  @Test
  void aRefusalTakesNothingFromTheOtherBudgets() {
    Budget roomy = budget("bud_1", 100 * CENT, "block", List.of());
    Budget tight = budget("bud_2", 5 * CENT, "block", List.of());
    guard.load(roomy, now, 0);
    guard.load(tight, now, 4 * CENT);

    BudgetGuard.Decision d = guard.reserve(List.of(roomy, tight), 2 * CENT, now);

    assertThat(d).isInstanceOfSatisfying(BudgetGuard.Decision.Refused.class,
        r -> assertThat(r.budget().id()).isEqualTo("bud_2"));
    assertThat(guard.totals(roomy, now)[1]).isZero();
  }

  @Test
  void anAlertOnlyBudgetNeverRefusesButReportsEachThresholdOnce() {
    Budget b = budget("bud_x", 10 * CENT, "alert", List.of(0.5, 0.8, 1.0));
    guard.load(b, now, 0);

    List<BudgetGuard.Alert> alerts = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      var r = (BudgetGuard.Decision.Reserved) guard.reserve(List.of(b), CENT, now);
      alerts.addAll(r.reservation().settle(CENT));
    }

    assertThat(alerts).extracting(BudgetGuard.Alert::threshold).containsExactly(0.5, 0.8, 1.0);
    assertThat(alerts.get(0).spentNanos()).isEqualTo(5 * CENT);
  }

  @Test
  void periodsAreCalendarAlignedInTheConfiguredZone() {
    ZoneId paris = ZoneId.of("Europe/Paris");
    Instant lateEvening = Instant.parse("2026-11-30T23:30:00Z"); // already December 1st in Paris

    assertThat(BudgetPeriod.of("month", lateEvening, paris).start()).isEqualTo(Instant.parse("2026-11-30T23:00:00Z"));
    assertThat(BudgetPeriod.of("month", lateEvening, ZoneId.of("UTC")).start()).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
    assertThat(BudgetPeriod.of("week", now, ZoneId.of("UTC")).start()).isEqualTo(Instant.parse("2026-11-23T00:00:00Z"));
    assertThat(BudgetPeriod.of("day", now, ZoneId.of("UTC")).end()).isEqualTo(Instant.parse("2026-11-27T00:00:00Z"));
  }

  @Test
  void aNewPeriodNeedsLoadingAgain() {
    Budget b = budget("bud_d", 10 * CENT, "block", List.of());
    guard.load(b, now, 9 * CENT);
    Instant tomorrow = now.plusSeconds(86_400);

    assertThat(guard.unloaded(List.of(b), tomorrow)).containsExactly(b);
    assertThatThrownBy(() -> guard.reserve(List.of(b), CENT, tomorrow)).isInstanceOf(IllegalStateException.class);
    guard.load(b, tomorrow, 0);
    assertThat(guard.reserve(List.of(b), 5 * CENT, tomorrow)).isInstanceOf(BudgetGuard.Decision.Reserved.class);
  }
}
