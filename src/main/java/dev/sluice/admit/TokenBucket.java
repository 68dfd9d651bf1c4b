package dev.sluice.admit;

/**
 * A token bucket refilled continuously: {@code capacity} tokens per minute, at most
 * {@code capacity} in the bucket. Not thread-safe: {@link RateLimiter} guards each bucket.
 */
final class TokenBucket {
  private static final double NANOS_PER_MINUTE = 60e9;

  private final long capacity;
  private double tokens;
  private long updatedNanos;

  TokenBucket(long capacity, long nowNanos) {
    this.capacity = capacity;
    this.tokens = capacity;
    this.updatedNanos = nowNanos;
  }

  long capacity() {
    return capacity;
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - updatedNanos;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * capacity / NANOS_PER_MINUTE);
      updatedNanos = nowNanos;
    }
  }

  /** Whether {@code n} tokens are there now. */
  boolean has(long n, long nowNanos) {
    refill(nowNanos);
    return tokens >= Math.min(n, capacity);
  }

  /** Takes {@code n} tokens (the bucket may go below zero when {@code n} exceeds what is left). */
  void take(long n, long nowNanos) {
    refill(nowNanos);
    tokens -= n;
  }

  /** Gives back {@code n} tokens (a reservation larger than what was used). */
  void giveBack(long n, long nowNanos) {
    refill(nowNanos);
    tokens = Math.min(capacity, tokens + n);
  }

  long remaining(long nowNanos) {
    refill(nowNanos);
    return Math.max(0, (long) Math.floor(tokens));
  }

  /** Nanoseconds until {@code n} tokens are there (0 if they are). */
  long nanosUntil(long n, long nowNanos) {
    refill(nowNanos);
    double missing = Math.min(n, capacity) - tokens;
    return missing <= 0 ? 0 : (long) Math.ceil(missing * NANOS_PER_MINUTE / capacity);
  }

  /** Nanoseconds until the bucket is full again. */
  long nanosUntilFull(long nowNanos) {
    refill(nowNanos);
    double missing = capacity - tokens;
    return missing <= 0 ? 0 : (long) Math.ceil(missing * NANOS_PER_MINUTE / capacity);
  }
}
