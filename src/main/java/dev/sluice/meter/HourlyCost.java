package dev.sluice.meter;

import java.math.BigInteger;
import java.util.function.LongSupplier;

/**
 * Shares the hourly cost of one self-hosted deployment ({@code cost_per_hour}) among its requests.
 * At each instant the cost accruing is split evenly across the requests in flight on the
 * deployment; while none is in flight it accrues as the deployment's idle cost, reported apart. A
 * busy deployment is therefore cheap per request and an idle one shows up as waste.
 *
 * <h2>Design</h2>
 *
 * Instead of charging every request in flight at every change (work proportional to the
 * concurrency), one counter accumulates the cost that a single request would have paid since the
 * start: {@code share += (cost accrued in the interval) / (requests in flight)}. A request remembers
 * the counter when it starts, and its cost is the difference when it finishes. Each {@link #start}
 * and {@link #finish} is O(1) under one short lock.
 *
 * <p>Invariants: the cost accrued since construction is computed from the total elapsed time, not
 * summed per interval, so it never drifts; the counters are held in pico-dollars (1e-12 USD), and
 * the remainder of each division by the number in flight is carried to the next interval, so the
 * finished shares, the shares still running and the idle cost add up to the hourly cost of the time
 * elapsed within a pico-dollar per request. Amounts are rounded to the nano-dollar (HALF_EVEN) only
 * when reported. Capacity: a long of pico-dollars holds about 9.2 million dollars of shares, years
 * of a deployment at hundreds of dollars an hour.
 *
 * <p>Contract: every {@code start} is followed by exactly one {@code finish} of its handle, including
 * when the request fails or the client goes away (use {@code finally}, or the end of the stream); a
 * handle that is never finished counts as in flight forever and makes the others cheaper. Idle time
 * is counted from construction. Thread-safe; the clock must be monotonic (a reading earlier than the
 * last one is taken as no time passing).
 */
public final class HourlyCost {
  /**
   * Pico-dollars accrued = nano-dollars per hour × elapsed nanoseconds / this: 3.6e12 nanoseconds in
   * an hour over 1,000 pico-dollars in a nano-dollar.
   */
  private static final long NANOS_PER_HOUR_PER_PICO = 3_600_000_000L;

  private final Money perHour;
  private final LongSupplier nanoClock;
  private final long origin;

  // Guarded by this.
  private long lastAt;
  private long accruedPico; // cost accrued from origin to lastAt
  private long sharePico; // what one request in flight the whole time would have paid, from origin to lastAt
  private long carryPico; // the part of accrued cost not yet divisible among the requests in flight
  private long idlePico;
  private int inFlight;

  /** An accountant on the system's monotonic clock. */
  public HourlyCost(Money perHour) {
    this(perHour, System::nanoTime);
  }

  /**
   * An accountant on the given clock.
   *
   * @param nanoClock a monotonic clock in nanoseconds, such as {@code System::nanoTime}
   */
  public HourlyCost(Money perHour, LongSupplier nanoClock) {
    if (perHour.isNegative()) throw new IllegalArgumentException("a negative cost per hour: " + perHour);
    this.perHour = perHour;
    this.nanoClock = nanoClock;
    this.origin = nanoClock.getAsLong();
    this.lastAt = origin;
  }

  /** A request in flight on the deployment, from {@link #start()} to {@link #finish}. */
  public static final class Handle {
    private final HourlyCost owner;
    private final long startShare;
    private boolean finished; // guarded by owner

    private Handle(HourlyCost owner, long startShare) {
      this.owner = owner;
      this.startShare = startShare;
    }
  }

  public Money perHour() {
    return perHour;
  }

  /** A request starts on the deployment. */
  public synchronized Handle start() {
    advance(nanoClock.getAsLong());
    inFlight++;
    return new Handle(this, sharePico);
  }

  /**
   * A request ends (completed, failed or abandoned).
   *
   * @return its share of the hourly cost while it was in flight
   * @throws IllegalStateException when the handle was already finished
   * @throws IllegalArgumentException when the handle belongs to another deployment's accountant
   */
  public synchronized Money finish(Handle handle) {
    if (handle.owner != this) throw new IllegalArgumentException("the handle belongs to another deployment");
    if (handle.finished) throw new IllegalStateException("the request was already finished");
    advance(nanoClock.getAsLong());
    handle.finished = true;
    inFlight--;
    return Money.ofNanos(Money.divideHalfEven(sharePico - handle.startShare, 1000));
  }

  /** The cost of the time so far with no request in flight. */
  public synchronized Money idleCost() {
    advance(nanoClock.getAsLong());
    return Money.ofNanos(Money.divideHalfEven(idlePico, 1000));
  }

  /** Requests in flight now. */
  public synchronized int inFlight() {
    return inFlight;
  }

  private void advance(long now) {
    if (now <= lastAt) return;
    long accrued = accruedPicoAt(now);
    long delta = accrued - accruedPico;
    accruedPico = accrued;
    lastAt = now;
    if (inFlight == 0) {
      idlePico += delta + carryPico;
      carryPico = 0;
    } else {
      long pool = delta + carryPico;
      sharePico += pool / inFlight;
      carryPico = pool % inFlight;
    }
  }

  /** Cost in pico-dollars from the origin to {@code now}: perHour (nanos) × elapsed (ns) / 3.6e9, floored. */
  private long accruedPicoAt(long now) {
    long elapsed = now - origin;
    long rate = perHour.nanos();
    long high = Math.multiplyHigh(rate, elapsed);
    long low = rate * elapsed;
    if (high == 0 && low >= 0) return low / NANOS_PER_HOUR_PER_PICO;
    return BigInteger.valueOf(rate).multiply(BigInteger.valueOf(elapsed))
        .divide(BigInteger.valueOf(NANOS_PER_HOUR_PER_PICO)).longValueExact();
  }
}
