package dev.sluice.route;

import dev.sluice.config.GatewayConfig;

/**
 * Takes a failing deployment out of rotation and lets it back in carefully.
 *
 * <p>States: CLOSED (traffic flows) opens after {@code consecutiveFailures} failures in a row, or
 * when, within the sliding {@code window}, at least {@code minRequests} attempts saw a failure
 * ratio of at least {@code failureRatio}. OPEN refuses traffic for {@code cooldown}, then lets one
 * probe through (HALF_OPEN): its success closes the breaker, its failure opens it again.
 *
 * <p>Time comes from the caller ({@code nowNanos}), so tests drive it without sleeping.
 * Thread-safe: attempts on several event loops update one breaker under its lock, which is held for
 * a few arithmetic steps only.
 */
public final class CircuitBreaker {

  public enum State { CLOSED, OPEN, HALF_OPEN }

  private static final int BUCKETS = 10;

  private final GatewayConfig.CircuitBreaker config;
  private final long bucketNanos;
  private final int[] successes = new int[BUCKETS];
  private final int[] failures = new int[BUCKETS];
  private long currentBucket;

  private State state = State.CLOSED;
  private int consecutive;
  private long openUntil;
  private boolean probeInFlight;

  public CircuitBreaker(GatewayConfig.CircuitBreaker config) {
    this.config = config;
    this.bucketNanos = Math.max(1, config.window().toNanos() / BUCKETS);
  }

  /** The state as seen at {@code nowNanos} (an open breaker whose cooldown is over reads as half-open). */
  public synchronized State state(long nowNanos) {
    if (state == State.OPEN && nowNanos - openUntil >= 0) return State.HALF_OPEN;
    return state;
  }

  /** Whether an attempt may go now; a half-open breaker admits a single probe until it reports back. */
  public synchronized boolean tryAcquire(long nowNanos) {
    switch (state) {
      case CLOSED:
        return true;
      case OPEN:
        if (nowNanos - openUntil < 0) return false;
        state = State.HALF_OPEN;
        probeInFlight = true;
        return true;
      default:
        if (probeInFlight) return false;
        probeInFlight = true;
        return true;
    }
  }

  /** Nanoseconds until an open breaker lets a probe through; 0 when it would admit one now. */
  public synchronized long nanosUntilProbe(long nowNanos) {
    if (state == State.OPEN) return Math.max(0, openUntil - nowNanos);
    return 0;
  }

  public synchronized void onSuccess(long nowNanos) {
    record(nowNanos, true);
    consecutive = 0;
    if (state != State.CLOSED) {
      state = State.CLOSED;
      probeInFlight = false;
      clearWindow();
    }
  }

  public synchronized void onFailure(long nowNanos) {
    record(nowNanos, false);
    consecutive++;
    if (state == State.HALF_OPEN) {
      open(nowNanos);
      return;
    }
    if (state == State.CLOSED && (consecutive >= config.consecutiveFailures() || ratioTripped())) {
      open(nowNanos);
    }
  }

  /** The attempt ended without telling anything about the deployment's health (the client's own error, a cancel). */
  public synchronized void onNeutral() {
    probeInFlight = false;
  }

  private boolean ratioTripped() {
    long ok = 0;
    long bad = 0;
    for (int i = 0; i < BUCKETS; i++) {
      ok += successes[i];
      bad += failures[i];
    }
    long total = ok + bad;
    return total >= config.minRequests() && (double) bad / total >= config.failureRatio();
  }

  private void open(long nowNanos) {
    state = State.OPEN;
    probeInFlight = false;
    openUntil = nowNanos + config.cooldown().toNanos();
  }

  private void record(long nowNanos, boolean success) {
    long bucket = Math.floorDiv(nowNanos, bucketNanos);
    if (bucket - currentBucket >= BUCKETS) {
      clearWindow();
    } else {
      for (long b = currentBucket + 1; b <= bucket; b++) {
        int i = (int) Math.floorMod(b, BUCKETS);
        successes[i] = 0;
        failures[i] = 0;
      }
    }
    if (bucket > currentBucket) currentBucket = bucket;
    int i = (int) Math.floorMod(currentBucket, BUCKETS);
    if (success) successes[i]++; else failures[i]++;
  }

  private void clearWindow() {
    java.util.Arrays.fill(successes, 0);
    java.util.Arrays.fill(failures, 0);
  }
}
