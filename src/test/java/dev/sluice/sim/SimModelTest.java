package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.sim.calibrate.RunResult;
import dev.sluice.sim.calibrate.WorkloadRunner;
import dev.sluice.sim.model.BatchingEngine;
import dev.sluice.sim.model.BatchingSpec;
import dev.sluice.sim.model.Engine;
import dev.sluice.sim.model.Job;
import dev.sluice.sim.model.JobListener;
import dev.sluice.sim.model.PrefixHashes;
import dev.sluice.sim.model.Rejection;
import dev.sluice.sim.model.StepCost;
import dev.sluice.sim.model.VirtualScheduler;
import dev.sluice.sim.profile.Profile;
import dev.sluice.sim.profile.ProfileLoader;
import dev.sluice.sim.profile.WorkloadSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The continuous-batching model, driven in virtual time: fast, deterministic, no wall clock. */
class SimModelTest {
  private static final StepCost COST = new StepCost(2.0, 0.0, 6.0, 0.06, 0.035);

  private static BatchingSpec spec(int maxSeqs, long kvTokens, BatchingSpec.SchedulingPolicy policy) {
    return new BatchingSpec(maxSeqs, 8192, policy, COST, kvTokens, 16, true, 16384, 1);
  }

  /** Records what one job saw. */
  static class Probe implements JobListener {
    long submitted = -1;
    long firstToken = -1;
    long finished = -1;
    int tokens;
    int cached = -1;
    Rejection rejected;

    @Override
    public void onScheduled(long nanos, int cachedPromptTokens) {
      if (cached < 0) cached = cachedPromptTokens;
    }

    @Override
    public void onToken(int index, long nanos) {
      assertThat(index).isEqualTo(tokens);
      if (index == 0) firstToken = nanos;
      tokens++;
    }

    @Override
    public void onFinished(long nanos) {
      finished = nanos;
    }

    @Override
    public void onRejected(Rejection rejection) {
      rejected = rejection;
    }

    double ttftMs() {
      return (firstToken - submitted) / 1e6;
    }
  }

  @Test
  void throughputSaturatesAtTheBatchLimitAndTheBatchNeverExceedsIt() {
    int maxSeqs = 32;
    Profile profile = ProfileLoader.load("h100-vllm-llama3-8b")
        .withPerformance(new Profile.Performance.Batching(spec(maxSeqs, 1_000_000, BatchingSpec.SchedulingPolicy.CHUNKED)));
    double[] throughput = new double[4];
    int[] concurrency = {8, 16, 32, 64};
    for (int i = 0; i < concurrency.length; i++) {
      RunResult r = WorkloadRunner.run(profile, closed(concurrency[i], 256), 7);
      throughput[i] = r.outputThroughput();
    }
    assertThat(throughput[1]).isGreaterThan(throughput[0] * 1.3);
    assertThat(throughput[2]).isGreaterThan(throughput[1] * 1.3);
    // Beyond the batch limit, extra clients only queue: throughput stays flat.
    assertThat(throughput[3]).isBetween(throughput[2] * 0.97, throughput[2] * 1.03);

    VirtualScheduler clock = new VirtualScheduler();
    BatchingEngine engine = new BatchingEngine(spec(maxSeqs, 1_000_000, BatchingSpec.SchedulingPolicy.CHUNKED), clock);
    int[] maxRunning = {0};
    for (int i = 0; i < 100; i++) {
      engine.submit(Job.of("r" + i, 100, 50), new Probe() {
        @Override
        public void onToken(int index, long nanos) {
          super.onToken(index, nanos);
          maxRunning[0] = Math.max(maxRunning[0], engine.stats().running());
        }
      });
    }
    assertThat(engine.stats().waiting()).isEqualTo(100);
    clock.runAll(10_000_000);
    assertThat(maxRunning[0]).isEqualTo(maxSeqs);
  }

  @Test
  void aShippedProfileSaturatesAtItsOwnBatchLimit() {
    Profile cpu = ProfileLoader.load("cpu-llamacpp-llama3.2-3b");
    int slots = ((Profile.Performance.Batching) cpu.performance()).spec().maxNumSeqs();
    double below = WorkloadRunner.run(cpu, closed(slots / 2, 64), 1).outputThroughput();
    double at = WorkloadRunner.run(cpu, closed(slots, 64), 1).outputThroughput();
    double above = WorkloadRunner.run(cpu, closed(slots * 4, 64), 1).outputThroughput();
    assertThat(at).isGreaterThan(below * 1.3);
    assertThat(above).isBetween(at * 0.97, at * 1.03);
    RunResult queued = WorkloadRunner.run(cpu, closed(slots * 4, 64), 1);
    assertThat(queued.meanTtftMs()).isGreaterThan(WorkloadRunner.run(cpu, closed(slots, 64), 1).meanTtftMs() * 2);
  }

  @Test
  void timeToFirstTokenRisesWithQueueLength() {
    VirtualScheduler clock = new VirtualScheduler();
    Engine engine = new BatchingEngine(spec(8, 1_000_000, BatchingSpec.SchedulingPolicy.PREFILL_FIRST), clock);
    List<Probe> probes = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      Probe p = new Probe();
      p.submitted = clock.now();
      probes.add(p);
      engine.submit(Job.of("r" + i, 200, 100), p);
    }
    clock.runAll(10_000_000);
    // Requests are served in waves of 8: each wave waits for the one before it.
    double previousWave = 0;
    for (int wave = 0; wave < 8; wave++) {
      double mean = probes.subList(wave * 8, wave * 8 + 8).stream().mapToDouble(Probe::ttftMs).average().orElseThrow();
      assertThat(mean).isGreaterThan(previousWave);
      previousWave = mean;
    }
    assertThat(probes.getLast().ttftMs()).isGreaterThan(probes.getFirst().ttftMs() * 20);
    assertThat(probes).allSatisfy(p -> assertThat(p.tokens).isEqualTo(100));
  }

  @Test
  void aSharedPrefixSkipsItsPrefill() {
    VirtualScheduler clock = new VirtualScheduler();
    Engine engine = new BatchingEngine(spec(8, 1_000_000, BatchingSpec.SchedulingPolicy.CHUNKED), clock);
    int[] shared = new int[4000];
    for (int i = 0; i < shared.length; i++) shared[i] = i * 7 + 1;
    int[] a = java.util.Arrays.copyOf(shared, 4100);
    int[] b = java.util.Arrays.copyOf(shared, 4100);
    for (int i = 4000; i < 4100; i++) {
      a[i] = 10_000 + i;
      b[i] = 20_000 + i;
    }
    Probe first = run(engine, clock, new Job("a", a.length, PrefixHashes.of(a, 16), 10, 10));
    Probe second = run(engine, clock, new Job("b", b.length, PrefixHashes.of(b, 16), 10, 10));
    int[] other = new int[4100];
    for (int i = 0; i < other.length; i++) other[i] = 50_000 + i;
    Probe unrelated = run(engine, clock, new Job("c", other.length, PrefixHashes.of(other, 16), 10, 10));

    assertThat(first.cached).isZero();
    assertThat(second.cached).isEqualTo(4000);
    assertThat(unrelated.cached).isZero();
    // Prefill time is proportional to uncached tokens: 100 instead of 4,100.
    assertThat(second.ttftMs()).isLessThan(first.ttftMs() * 0.2);
    assertThat(unrelated.ttftMs()).isCloseTo(first.ttftMs(), org.assertj.core.data.Percentage.withPercentage(1));
    assertThat(engine.stats().prefixHitTokens()).isEqualTo(4000);
  }

  @Test
  void anIdenticalPromptStillPrefillsItsLastToken() {
    VirtualScheduler clock = new VirtualScheduler();
    Engine engine = new BatchingEngine(spec(8, 1_000_000, BatchingSpec.SchedulingPolicy.CHUNKED), clock);
    int[] prompt = new int[320];
    for (int i = 0; i < prompt.length; i++) prompt[i] = i;
    run(engine, clock, new Job("a", prompt.length, PrefixHashes.of(prompt, 16), 5, 5));
    Probe again = run(engine, clock, new Job("b", prompt.length, PrefixHashes.of(prompt, 16), 5, 5));
    assertThat(again.cached).isEqualTo(304);
  }

  @Test
  void requestsArePreemptedWhenTheKvCacheRunsOutAndStillFinishExactly() {
    VirtualScheduler clock = new VirtualScheduler();
    BatchingEngine engine = new BatchingEngine(spec(8, 2048, BatchingSpec.SchedulingPolicy.PREFILL_FIRST), clock);
    List<Probe> probes = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Probe p = new Probe();
      probes.add(p);
      engine.submit(Job.of("r" + i, 200, 400), p);
    }
    clock.runAll(10_000_000);
    assertThat(engine.stats().preemptions()).isPositive();
    assertThat(probes).allSatisfy(p -> {
      assertThat(p.tokens).isEqualTo(400);
      assertThat(p.finished).isPositive();
    });
    assertThat(engine.stats().kvCacheUsage()).isZero();
  }

  @Test
  void aJobLargerThanTheWholeCacheOrContextIsRejected() {
    VirtualScheduler clock = new VirtualScheduler();
    Engine engine = new BatchingEngine(spec(8, 2048, BatchingSpec.SchedulingPolicy.CHUNKED), clock);
    Probe p = new Probe();
    engine.submit(Job.of("big", 2000, 100), p);
    assertThat(p.rejected).isInstanceOf(Rejection.TooLong.class);
  }

  @Test
  void aCancelledJobFreesItsSlotAndCacheAndGetsNoMoreEvents() {
    VirtualScheduler clock = new VirtualScheduler();
    Engine engine = new BatchingEngine(spec(1, 1_000_000, BatchingSpec.SchedulingPolicy.CHUNKED), clock);
    Probe cancelled = new Probe();
    Engine.Ticket t = engine.submit(Job.of("a", 100, 1000), cancelled);
    Probe next = new Probe();
    engine.submit(Job.of("b", 100, 10), next);
    clock.runUntil(50_000_000);
    int seen = cancelled.tokens;
    t.cancel();
    clock.runAll(10_000_000);
    assertThat(cancelled.tokens).isEqualTo(seen);
    assertThat(cancelled.finished).isEqualTo(-1);
    assertThat(next.tokens).isEqualTo(10);
    assertThat(engine.stats().running()).isZero();
  }

  @Test
  void chunkedPrefillKeepsDecodingWhileALongPromptArrives() {
    VirtualScheduler clock = new VirtualScheduler();
    Engine engine = new BatchingEngine(new BatchingSpec(8, 512, BatchingSpec.SchedulingPolicy.CHUNKED, COST, 1_000_000, 16, true, 16384, 1), clock);
    List<Long> tokenTimes = new ArrayList<>();
    engine.submit(Job.of("decoding", 10, 200), new Probe() {
      @Override
      public void onToken(int index, long nanos) {
        super.onToken(index, nanos);
        tokenTimes.add(nanos);
      }
    });
    clock.runUntil(100_000_000);
    engine.submit(Job.of("long", 8000, 5), new Probe());
    clock.runAll(10_000_000);
    long worstGap = 0;
    for (int i = 1; i < tokenTimes.size(); i++) worstGap = Math.max(worstGap, tokenTimes.get(i) - tokenTimes.get(i - 1));
    // One step may carry at most 512 prompt tokens, so no gap is longer than one such step.
    assertThat(worstGap / 1e6).isLessThanOrEqualTo(COST.stepNanos(511, 1, 300) / 1e6 + 1e-6);
  }

  @Test
  void aRunIsDeterministic() {
    Profile profile = ProfileLoader.load("a100-vllm-llama3-8b");
    WorkloadSpec w = new WorkloadSpec(WorkloadSpec.Lengths.SHAREGPT, 202, 179, new WorkloadSpec.Arrival.Poisson(8), 200);
    assertThat(WorkloadRunner.run(profile, w, 3)).isEqualTo(WorkloadRunner.run(profile, w, 3));
  }

  private static WorkloadSpec closed(int concurrency, int requests) {
    return new WorkloadSpec(WorkloadSpec.Lengths.FIXED, 256, 128, new WorkloadSpec.Arrival.Closed(concurrency), requests);
  }

  private static Probe run(Engine engine, VirtualScheduler clock, Job job) {
    Probe p = new Probe();
    p.submitted = clock.now();
    engine.submit(job, p);
    clock.runAll(10_000_000);
    return p;
  }
}
