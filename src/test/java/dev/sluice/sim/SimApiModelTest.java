package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.sim.model.ApiEngine;
import dev.sluice.sim.model.ApiSpec;
import dev.sluice.sim.model.Job;
import dev.sluice.sim.model.JobListener;
import dev.sluice.sim.model.Rejection;
import dev.sluice.sim.model.SlidingWindowLimiter;
import dev.sluice.sim.model.VirtualScheduler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cloud-API model in virtual time: rate limits, Retry-After, error rate, time to first token. */
class SimApiModelTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MINUTE = 60 * SECOND;

  private static ApiSpec spec(long rpm, long tpm, double errorRate) {
    return new ApiSpec(450, 0.35, 0, 100, rpm, tpm, errorRate, 128_000, null);
  }

  /** Counts outcomes. */
  static class Outcome implements JobListener {
    long admittedAt = -1;
    long firstToken = -1;
    int tokens;
    Rejection rejection;
    private final VirtualScheduler clock;

    Outcome(VirtualScheduler clock) {
      this.clock = clock;
    }

    @Override
    public void onScheduled(long nanos, int cached) {
      admittedAt = nanos;
    }

    @Override
    public void onToken(int index, long nanos) {
      if (index == 0) firstToken = nanos;
      tokens++;
    }

    @Override
    public void onFinished(long nanos) {}

    @Override
    public void onRejected(Rejection rejection) {
      this.rejection = rejection;
      assertThat(clock.now()).isNotNegative();
    }
  }

  @Test
  void requestsPerMinuteAreNeverExceededOverAnyMinuteAndRetryAfterIsHonest() {
    VirtualScheduler clock = new VirtualScheduler();
    ApiEngine api = new ApiEngine(spec(60, 0, 0), clock, 1);
    List<Long> admitted = new ArrayList<>();
    int[] refusals = {0};
    // 300 clients send at 4 requests/s; a refused client retries exactly after Retry-After.
    for (int i = 0; i < 300; i++) {
      clock.schedule(i * SECOND / 4, new Runnable() {
        @Override
        public void run() {
          Outcome o = new Outcome(clock);
          api.submit(Job.of("r", 50, 5), o);
          if (o.rejection instanceof Rejection.RateLimited r) {
            refusals[0]++;
            assertThat(r.limit()).isEqualTo(Rejection.RateLimited.Limit.REQUESTS);
            assertThat(r.retryAfterNanos()).isPositive().isLessThanOrEqualTo(MINUTE);
            clock.schedule(clock.now() + r.retryAfterNanos(), this);
          } else {
            admitted.add(clock.now());
          }
        }
      });
    }
    clock.runAll(10_000_000);
    assertThat(admitted).hasSize(300);
    assertThat(refusals[0]).isGreaterThan(100);
    long[] t = admitted.stream().mapToLong(Long::longValue).sorted().toArray();
    for (int i = 0; i < t.length; i++) {
      int j = i;
      while (j + 1 < t.length && t[j + 1] < t[i] + MINUTE) j++;
      assertThat(j - i + 1).as("admitted in the minute from %d", t[i]).isLessThanOrEqualTo(60);
    }
    // Retrying at Retry-After keeps the pipe full: 300 requests at 60/min take just under 5 minutes.
    assertThat(t[t.length - 1]).isLessThan(5 * MINUTE);
  }

  @Test
  void tokensPerMinuteCountPromptAndRequestedOutput() {
    SlidingWindowLimiter limiter = new SlidingWindowLimiter(MINUTE, 0, 10_000);
    int admitted = 0;
    Rejection.RateLimited last = null;
    for (int i = 0; i < 20; i++) {
      Rejection.RateLimited r = limiter.tryAcquire(i * SECOND, 1000);
      if (r == null) admitted++;
      else last = r;
    }
    assertThat(admitted).isEqualTo(10);
    assertThat(last.limit()).isEqualTo(Rejection.RateLimited.Limit.TOKENS);
    // The first 1,000 tokens leave the window at 60 s; it is now 19 s.
    assertThat(last.retryAfterNanos()).isEqualTo(41 * SECOND);
    assertThat(limiter.tryAcquire(60 * SECOND, 1000)).isNull();
    Rejection.RateLimited tooBig = limiter.tryAcquire(61 * SECOND, 20_000);
    assertThat(tooBig.retryAfterNanos()).isEqualTo(-1);
    assertThat(tooBig.message()).contains("Request too large");
  }

  @Test
  void backgroundErrorsHappenAtTheConfiguredRate() {
    VirtualScheduler clock = new VirtualScheduler();
    double rate = 0.05;
    ApiEngine api = new ApiEngine(spec(0, 0, rate), clock, 99);
    int n = 20_000;
    int errors = 0;
    for (int i = 0; i < n; i++) {
      Outcome o = new Outcome(clock);
      api.submit(Job.of("r", 10, 1), o);
      if (o.rejection instanceof Rejection.ServerError) errors++;
    }
    double sigma = Math.sqrt(n * rate * (1 - rate));
    assertThat((double) errors).isBetween(n * rate - 4.5 * sigma, n * rate + 4.5 * sigma);
  }

  @Test
  void timeToFirstTokenIsLogNormalAroundTheMedianAndTokensFlowAtTheOutputSpeed() {
    VirtualScheduler clock = new VirtualScheduler();
    ApiEngine api = new ApiEngine(spec(0, 0, 0), clock, 5);
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      Outcome o = new Outcome(clock);
      outcomes.add(o);
      api.submit(Job.of("r", 100, 101), o);
    }
    clock.runAll(10_000_000);
    double[] ttft = outcomes.stream().mapToDouble(o -> o.firstToken / 1e6).sorted().toArray();
    assertThat(ttft[1000]).isBetween(450 * 0.95, 450 * 1.05);
    // 84th percentile of a log-normal is the median times e^sigma.
    assertThat(ttft[1683]).isBetween(450 * Math.exp(0.35) * 0.93, 450 * Math.exp(0.35) * 1.07);
    assertThat(outcomes).allSatisfy(o -> assertThat(o.tokens).isEqualTo(101));
    assertThat(api.stats().generationTokens()).isEqualTo(2000L * 101);
  }

  @Test
  void aLongSharedPromptIsServedFromThePromptCache() {
    VirtualScheduler clock = new VirtualScheduler();
    ApiEngine api = new ApiEngine(new ApiSpec(450, 0, 50_000, 100, 0, 0, 0, 128_000,
        new ApiSpec.PromptCache(1024, 128, 300)), clock, 1);
    int[] prompt = new int[2000];
    Arrays.setAll(prompt, i -> i);
    long[] blocks = dev.sluice.sim.model.PrefixHashes.of(prompt, 128);
    Outcome first = new Outcome(clock);
    api.submit(new Job("a", 2000, blocks, 5, 5), first);
    clock.runAll(1_000_000);
    int[] cached = {-1};
    api.submit(new Job("b", 2000, blocks, 5, 5), new Outcome(clock) {
      @Override
      public void onScheduled(long nanos, int c) {
        cached[0] = c;
      }
    });
    assertThat(cached[0]).isEqualTo(1920);
    clock.runUntil(clock.now() + 10 * MINUTE);
    api.submit(new Job("c", 2000, blocks, 5, 5), new Outcome(clock) {
      @Override
      public void onScheduled(long nanos, int c) {
        cached[0] = c;
      }
    });
    assertThat(cached[0]).as("expired after the TTL").isZero();
  }
}
