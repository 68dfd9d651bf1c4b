package dev.sluice.route;

import dev.sluice.config.GatewayConfig;
import dev.sluice.meter.HourlyCost;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What Sluice knows about one deployment at run time: requests in flight, its circuit breaker, and
 * how long it asked us to back off (a 429's {@code Retry-After}). Survives config reloads as long
 * as the deployment keeps its identity (model, id, provider, URL).
 */
public final class DeploymentState {
  private final AtomicInteger outstanding = new AtomicInteger();
  private final AtomicLong coolingUntil = new AtomicLong(Long.MIN_VALUE);
  private final CircuitBreaker breaker;
  private final HourlyCost hourly;

  public DeploymentState(GatewayConfig.CircuitBreaker config) {
    this(config, null);
  }

  /** @param hourly the accountant of a deployment paid by the hour, or {@code null} */
  public DeploymentState(GatewayConfig.CircuitBreaker config, HourlyCost hourly) {
    this.breaker = new CircuitBreaker(config);
    this.hourly = hourly;
  }

  /** The hourly-cost accountant when the deployment is paid by the hour, else {@code null}. */
  public HourlyCost hourly() {
    return hourly;
  }

  public int outstanding() {
    return outstanding.get();
  }

  public CircuitBreaker breaker() {
    return breaker;
  }

  /** Takes a slot unless {@code maxConcurrency} (0: unlimited) requests are already in flight. */
  public boolean tryAcquireSlot(int maxConcurrency) {
    if (maxConcurrency <= 0) {
      outstanding.incrementAndGet();
      return true;
    }
    while (true) {
      int n = outstanding.get();
      if (n >= maxConcurrency) return false;
      if (outstanding.compareAndSet(n, n + 1)) return true;
    }
  }

  public void releaseSlot() {
    outstanding.decrementAndGet();
  }

  /** Asks that no attempt go to this deployment before {@code untilNanos}. */
  public void coolUntil(long untilNanos) {
    coolingUntil.accumulateAndGet(untilNanos, (a, b) -> a == Long.MIN_VALUE ? b : (b - a > 0 ? b : a));
  }

  /** Nanoseconds of cooling left (0 when none). */
  public long coolingNanos(long nowNanos) {
    long until = coolingUntil.get();
    return until == Long.MIN_VALUE ? 0 : Math.max(0, until - nowNanos);
  }
}
