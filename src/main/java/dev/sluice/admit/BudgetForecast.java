package dev.sluice.admit;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;

/**
 * Where a budget is heading at its recent pace: the burn rate, linear over the last 24 hours (or
 * over the period so far when that is shorter), and the moment the budget runs out at that rate.
 *
 * @param burnNanosPerDay the spend of the rate window, scaled to a day
 * @param rateWindow how far back the rate looks: 24 hours, or the period so far
 * @param exhaustsAt when the spend reaches the amount at this rate; {@code null} when nothing was
 *     spent in the window, or the budget is already exhausted
 * @param exhausted the spend has reached the amount
 * @param runsOutThisPeriod it runs out before its period ends and the budget starts afresh
 */
public record BudgetForecast(long burnNanosPerDay, Duration rateWindow, Instant exhaustsAt, boolean exhausted,
    boolean runsOutThisPeriod) {

  static final Duration RATE_WINDOW = Duration.ofHours(24);
  private static final BigInteger NANOS_PER_DAY = BigInteger.valueOf(Duration.ofDays(1).toNanos());

  /** Where the rate window starts: 24 hours ago, or at the period's start if that is later. */
  public static Instant rateWindowStart(BudgetPeriod period, Instant now) {
    Instant dayAgo = now.minus(RATE_WINDOW);
    return period.start().isAfter(dayAgo) ? period.start() : dayAgo;
  }

  /**
   * The forecast of a budget.
   *
   * @param amountNanos the budget's amount
   * @param spentNanos spent in the current period so far
   * @param windowSpentNanos spent since {@code windowStart} (see {@link #rateWindowStart})
   * @param periodEnd when the period ends (exclusive)
   */
  public static BudgetForecast of(long amountNanos, long spentNanos, long windowSpentNanos, Instant windowStart,
      Instant now, Instant periodEnd) {
    Duration window = windowStart.isBefore(now) ? Duration.between(windowStart, now) : Duration.ZERO;
    long windowNanos = window.toNanos();
    long perDay = windowNanos == 0 || windowSpentNanos <= 0 ? 0
        : new BigDecimal(BigInteger.valueOf(windowSpentNanos).multiply(NANOS_PER_DAY))
            .divide(new BigDecimal(windowNanos), 0, RoundingMode.HALF_UP).longValueExact();
    if (spentNanos >= amountNanos) return new BudgetForecast(perDay, window, null, true, false);
    if (windowNanos == 0 || windowSpentNanos <= 0) return new BudgetForecast(perDay, window, null, false, false);
    // remaining / (windowSpent / window), in whole nanoseconds, rounded up: the moment it is reached
    BigInteger[] qr = BigInteger.valueOf(amountNanos - spentNanos).multiply(BigInteger.valueOf(windowNanos))
        .divideAndRemainder(BigInteger.valueOf(windowSpentNanos));
    BigInteger untilNanos = qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
    if (untilNanos.bitLength() > 62) return new BudgetForecast(perDay, window, null, false, false); // over a century away
    Instant at = now.plusNanos(untilNanos.longValueExact());
    return new BudgetForecast(perDay, window, at, false, at.isBefore(periodEnd));
  }
}
