package dev.sluice.sim.calibrate;

import dev.sluice.sim.model.Engine;
import dev.sluice.sim.model.EngineStats;
import dev.sluice.sim.model.Job;
import dev.sluice.sim.model.JobListener;
import dev.sluice.sim.model.Rejection;
import dev.sluice.sim.model.VirtualScheduler;
import dev.sluice.sim.profile.Profile;
import dev.sluice.sim.profile.WorkloadSpec;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Runs a benchmark workload against a profile's performance model in virtual time: a published
 * benchmark's hours of GPU time take milliseconds, deterministically for a given seed. This is how
 * profiles are fitted and checked against published figures, and how the plots are drawn.
 */
public final class WorkloadRunner {
  private WorkloadRunner() {}

  /** Runs {@code workload} on a fresh engine of {@code profile}. */
  public static RunResult run(Profile profile, WorkloadSpec workload, long seed) {
    VirtualScheduler scheduler = new VirtualScheduler();
    Engine engine = profile.newEngine(scheduler, seed);
    int[][] sizes = RequestSizes.of(workload, seed);
    int n = sizes.length;
    long[] sent = new long[n];
    long[] first = new long[n];
    long[] done = new long[n];
    boolean[] failed = new boolean[n];
    Arrays.fill(first, -1);
    Arrays.fill(done, -1);

    final class Client {
      int next;

      void send(int i) {
        sent[i] = scheduler.now();
        engine.submit(Job.of("r" + i, sizes[i][0], sizes[i][1]), new JobListener() {
          @Override
          public void onToken(int index, long nanos) {
            if (index == 0) first[i] = nanos;
          }

          @Override
          public void onFinished(long nanos) {
            done[i] = nanos;
            if (first[i] < 0) first[i] = nanos;
            sendNextIfClosedLoop();
          }

          @Override
          public void onRejected(Rejection rejection) {
            failed[i] = true;
            done[i] = scheduler.now();
            sendNextIfClosedLoop();
          }
        });
      }

      void sendNextIfClosedLoop() {
        if (workload.arrival() instanceof WorkloadSpec.Arrival.Closed && next < n) {
          int i = next++;
          scheduler.schedule(scheduler.now(), () -> send(i));
        }
      }
    }
    Client client = new Client();
    switch (workload.arrival()) {
      case WorkloadSpec.Arrival.Burst b -> {
        for (int i = 0; i < n; i++) {
          int k = i;
          scheduler.schedule(0, () -> client.send(k));
        }
      }
      case WorkloadSpec.Arrival.Poisson p -> {
        SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
        double t = 0;
        for (int i = 0; i < n; i++) {
          int k = i;
          scheduler.schedule(Math.round(t * 1e9), () -> client.send(k));
          t += -Math.log(1 - random.nextDouble()) / p.qps();
        }
      }
      case WorkloadSpec.Arrival.Closed c -> {
        client.next = Math.min(c.concurrency(), n);
        for (int i = 0; i < client.next; i++) {
          int k = i;
          scheduler.schedule(0, () -> client.send(k));
        }
      }
    }
    scheduler.runAll(200_000_000L);
    for (int i = 0; i < n; i++) {
      if (done[i] < 0) {
        throw new IllegalStateException(profile.name() + ": request " + i + " of " + workload.describe()
            + " never finished; the engine stopped with work left");
      }
    }
    return summarise(sizes, sent, first, done, failed, engine.stats());
  }

  private static RunResult summarise(int[][] sizes, long[] sent, long[] first, long[] done, boolean[] failed,
      EngineStats stats) {
    int n = sizes.length;
    long end = 0;
    long start = Long.MAX_VALUE;
    int completed = 0;
    int rejected = 0;
    double ttftSum = 0;
    double tpotSum = 0;
    int tpotCount = 0;
    double latencySum = 0;
    long outTokens = 0;
    long inTokens = 0;
    double[] ttfts = new double[n];
    for (int i = 0; i < n; i++) {
      start = Math.min(start, sent[i]);
      if (failed[i]) {
        rejected++;
        continue;
      }
      end = Math.max(end, done[i]);
      double ttft = (first[i] - sent[i]) / 1e6;
      double latency = (done[i] - sent[i]) / 1e6;
      ttfts[completed++] = ttft;
      ttftSum += ttft;
      latencySum += latency;
      outTokens += sizes[i][1];
      inTokens += sizes[i][0];
      if (sizes[i][1] > 1) {
        tpotSum += (latency - ttft) / (sizes[i][1] - 1);
        tpotCount++;
      }
    }
    double duration = Math.max(1e-9, (end - start) / 1e9);
    double[] sorted = Arrays.copyOf(ttfts, completed);
    Arrays.sort(sorted);
    return new RunResult(completed, rejected, duration, completed / duration, outTokens / duration, inTokens / duration,
        completed == 0 ? 0 : ttftSum / completed, percentile(sorted, 0.5), percentile(sorted, 0.99),
        tpotCount == 0 ? 0 : tpotSum / tpotCount, completed == 0 ? 0 : latencySum / completed,
        latencySum / 1000.0 / duration, stats.preemptions(), stats.prefixHitRate());
  }

  private static double percentile(double[] sorted, double q) {
    if (sorted.length == 0) return 0;
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
  }
}
