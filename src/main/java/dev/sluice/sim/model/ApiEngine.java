package dev.sluice.sim.model;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A cloud API seen from outside: no visible batch or queue, just rate limits, a background error
 * rate, a log-normal time to first token (growing with the prompt) and a steady output speed.
 *
 * <p>Random draws come from one seeded stream in submission order, so a fixed seed and a fixed
 * order of submissions give the same outcomes and timings. Not thread-safe: use it on its
 * scheduler's thread.
 */
public final class ApiEngine implements Engine {
  private static final long MINUTE = 60_000_000_000L;
  private static final int MAX_CACHED_BLOCKS = 1 << 20;

  private final ApiSpec spec;
  private final Scheduler scheduler;
  private final SplittableRandom random;
  private final SlidingWindowLimiter limiter;
  private final long tokenNanos;
  /** Prompt-cache blocks by chained hash, least recently used first, with the time of last use. */
  private final LinkedHashMap<Long, Long> cachedBlocks = new LinkedHashMap<>(1024, 0.75f, true);
  private int inFlight;
  private long prefixQueried;
  private long prefixHits;
  private long promptTokens;
  private long generationTokens;
  private long rejected;

  public ApiEngine(ApiSpec spec, Scheduler scheduler, long seed) {
    this.spec = spec;
    this.scheduler = scheduler;
    this.random = new SplittableRandom(seed);
    this.limiter = new SlidingWindowLimiter(MINUTE, spec.requestsPerMinute(), spec.tokensPerMinute());
    this.tokenNanos = Math.round(1e9 / spec.outputTokensPerSecond());
  }

  public ApiSpec spec() {
    return spec;
  }

  @Override
  public Ticket submit(Job job, JobListener listener) {
    long now = scheduler.now();
    int total = job.promptTokens() + job.outputTokens();
    if (total > spec.maxContextTokens()) {
      rejected++;
      listener.onRejected(new Rejection.TooLong(total, spec.maxContextTokens()));
      return () -> {};
    }
    Rejection.RateLimited limited = limiter.tryAcquire(now, (long) job.promptTokens() + job.reservedOutputTokens());
    // Draw both numbers whatever happens, so one request's outcome does not shift the next one's.
    double errorDraw = random.nextDouble();
    double gaussian = random.nextGaussian();
    if (limited != null) {
      rejected++;
      listener.onRejected(limited);
      return () -> {};
    }
    if (errorDraw < spec.errorRate()) {
      rejected++;
      listener.onRejected(new Rejection.ServerError("The server had an error while processing your request. Sorry about that!"));
      return () -> {};
    }
    int cached = lookUpPromptCache(job, now);
    double ttftMs = spec.ttftMedianMs() * Math.exp(spec.ttftSigma() * gaussian);
    if (spec.promptTokensPerSecond() > 0) ttftMs += (job.promptTokens() - cached) * 1000.0 / spec.promptTokensPerSecond();
    promptTokens += job.promptTokens();
    prefixQueried += job.promptTokens();
    prefixHits += cached;
    inFlight++;
    InFlight f = new InFlight(job, listener);
    listener.onScheduled(now, cached);
    f.timer = scheduler.schedule(now + Math.round(ttftMs * 1e6), f);
    return f;
  }

  @Override
  public EngineStats stats() {
    return new EngineStats(inFlight, 0, 0, prefixQueried, prefixHits, 0, promptTokens, generationTokens, rejected);
  }

  /**
   * Cached prompt tokens for {@code job} under the provider's prompt cache (0 without one, for a
   * short prompt, or on a miss), then records the job's blocks as used now. The job's
   * {@code prefixBlocks} must be hashed with the cache's block size.
   */
  private int lookUpPromptCache(Job job, long now) {
    ApiSpec.PromptCache cache = spec.promptCache();
    if (cache == null || job.promptTokens() < cache.minTokens()) return 0;
    long ttl = Math.round(cache.ttlSeconds() * 1e9);
    for (Iterator<Map.Entry<Long, Long>> it = cachedBlocks.entrySet().iterator(); it.hasNext(); ) {
      if (it.next().getValue() > now - ttl) break;
      it.remove();
    }
    long[] blocks = job.prefixBlocks();
    int hits = 0;
    while (hits < blocks.length && cachedBlocks.containsKey(blocks[hits])) hits++;
    for (long b : blocks) cachedBlocks.put(b, now);
    while (cachedBlocks.size() > MAX_CACHED_BLOCKS) {
      Iterator<Long> oldest = cachedBlocks.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    int cached = Math.min(hits * cache.blockTokens(), job.promptTokens() - 1);
    return cached >= cache.minTokens() ? cached : 0;
  }

  /** One request being answered: emits a token each time it runs, then schedules the next. */
  private final class InFlight implements Ticket, Runnable {
    final Job job;
    final JobListener listener;
    Scheduler.Timer timer;
    int generated;
    boolean done;

    InFlight(Job job, JobListener listener) {
      this.job = job;
      this.listener = listener;
    }

    @Override
    public void run() {
      if (done) return;
      long now = scheduler.now();
      if (generated < job.outputTokens()) {
        generationTokens++;
        listener.onToken(generated++, now);
      }
      if (generated >= job.outputTokens()) {
        done = true;
        inFlight--;
        listener.onFinished(now);
      } else {
        timer = scheduler.schedule(now + tokenNanos, this);
      }
    }

    @Override
    public void cancel() {
      if (done) return;
      done = true;
      inFlight--;
      if (timer != null) timer.cancel();
    }
  }
}
