package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.sim.fault.Fault;
import dev.sluice.sim.fault.FaultPlan;
import dev.sluice.sim.fault.FaultSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Injected faults: rates within statistical bounds under a fixed seed, header forms, outage windows. */
class SimFaultPlanTest {
  private static final FaultSpec RATES = new FaultSpec(0.05, 0.03, 0.01, 0.02, 0.02, 0.04, 100, 3, 2, List.of());

  @Test
  void faultsHappenAtTheConfiguredRatesWithinStatisticalBounds() {
    FaultPlan plan = new FaultPlan(RATES, 2024);
    int n = 50_000;
    Map<Class<?>, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) counts.merge(plan.next(0, null).getClass(), 1, Integer::sum);
    check(counts, Fault.ServerError.class, 0.05, n);
    check(counts, Fault.RateLimited.class, 0.03, n);
    check(counts, Fault.Hang.class, 0.01, n);
    check(counts, Fault.Reset.class, 0.02, n);
    check(counts, Fault.Malformed.class, 0.02, n);
    check(counts, Fault.Slow.class, 0.04, n);
    check(counts, Fault.None.class, 0.83, n);
  }

  private static void check(Map<Class<?>, Integer> counts, Class<?> kind, double rate, int n) {
    double sigma = Math.sqrt(n * rate * (1 - rate));
    assertThat((double) counts.getOrDefault(kind, 0)).as(kind.getSimpleName()).isBetween(n * rate - 4.5 * sigma, n * rate + 4.5 * sigma);
  }

  @Test
  void aFixedSeedGivesTheSameFaultsAndAnotherSeedOthers() {
    assertThat(draws(7)).isEqualTo(draws(7)).isNotEqualTo(draws(8));
  }

  private static List<String> draws(long seed) {
    FaultPlan plan = new FaultPlan(RATES, seed);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 200; i++) out.add(plan.next(0, null).getClass().getSimpleName());
    return out;
  }

  @Test
  void theHeaderPicksTheFaultForOneRequest() {
    FaultPlan plan = new FaultPlan(FaultSpec.NONE, 1);
    assertThat(plan.next(0, "500")).isEqualTo(new Fault.ServerError(500));
    assertThat(plan.next(0, "503")).isEqualTo(new Fault.ServerError(503));
    assertThat(plan.next(0, "429:5")).isEqualTo(new Fault.RateLimited(5));
    assertThat(plan.next(0, "429")).isEqualTo(new Fault.RateLimited(1));
    assertThat(plan.next(0, "reset:10")).isEqualTo(new Fault.Reset(10));
    assertThat(plan.next(0, "slow:50ms")).isEqualTo(new Fault.Slow(50));
    assertThat(plan.next(0, "slow:2s")).isEqualTo(new Fault.Slow(2000));
    assertThat(plan.next(0, "hang")).isEqualTo(new Fault.Hang());
    assertThat(plan.next(0, "malformed")).isEqualTo(new Fault.Malformed());
    assertThat(plan.next(0, "outage:30")).isEqualTo(new Fault.Outage(30));
    FaultPlan always = new FaultPlan(new FaultSpec(1, 0, 0, 0, 0, 0, 0, 0, 1, List.of()), 1);
    assertThat(always.next(0, "none")).isEqualTo(new Fault.None());
    assertThatThrownBy(() -> plan.next(0, "explode")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("X-Sluice-Sim-Fault");
    assertThatThrownBy(() -> plan.next(0, "200")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void outageWindowsAnswerEveryRequestWhileTheyLast() {
    FaultSpec spec = new FaultSpec(0, 0, 0, 0, 0, 0, 0, 0, 1, List.of(new FaultSpec.Outage(60, 30, 600)));
    FaultPlan plan = new FaultPlan(spec, 1);
    assertThat(plan.next(59.9, null)).isEqualTo(new Fault.None());
    assertThat(plan.next(60, null)).isEqualTo(new Fault.Outage(30));
    assertThat(plan.next(80, null)).isEqualTo(new Fault.Outage(10));
    assertThat(plan.next(90, null)).isEqualTo(new Fault.None());
    assertThat(plan.next(665, null)).isEqualTo(new Fault.Outage(25));
  }
}
