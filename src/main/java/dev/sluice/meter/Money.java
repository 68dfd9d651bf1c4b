package dev.sluice.meter;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * An exact amount of US dollars, held as a whole number of nano-dollars (1e-9 USD). Sums and
 * products are long arithmetic that throws {@link ArithmeticException} on overflow (beyond about
 * 9.2 billion dollars) rather than wrap; no amount ever passes through a {@code double}.
 *
 * <p>{@link BigDecimal} appears only at the edges: {@link #ofUsd(BigDecimal)} and {@link #parse}
 * take exact decimals (a config value, a price in the table), {@link #toUsd()} and
 * {@link #toString()} give them back for JSON, CSV and tables.
 *
 * <p>Rounding rule: an exact decimal amount that is finer than a nano-dollar is rounded to the
 * nearest nano-dollar, ties to the even one ({@link RoundingMode#HALF_EVEN}, banker's rounding),
 * so that rounding errors over many amounts do not drift in one direction. The same rule applies
 * wherever Sluice turns an exact product into nanos ({@link #perMillion(long)}).
 *
 * @param nanos the amount in nano-dollars; negative for a credit or a difference
 */
public record Money(long nanos) implements Comparable<Money> {
  public static final Money ZERO = new Money(0);

  /** Nano-dollars in one dollar. */
  public static final long NANOS_PER_USD = 1_000_000_000L;

  private static final BigInteger MILLION = BigInteger.valueOf(1_000_000);

  public static Money ofNanos(long nanos) {
    return new Money(nanos);
  }

  /** An exact decimal number of dollars, rounded to the nano-dollar with HALF_EVEN. */
  public static Money ofUsd(BigDecimal usd) {
    try {
      return new Money(usd.movePointRight(9).setScale(0, RoundingMode.HALF_EVEN).longValueExact());
    } catch (ArithmeticException e) {
      throw new ArithmeticException("amount out of range: " + usd.toPlainString() + " USD");
    }
  }

  /** A decimal number of dollars as text, such as {@code 3.99} or {@code 2.5e-6}. */
  public static Money parse(String usd) {
    return ofUsd(new BigDecimal(usd.trim()));
  }

  public Money plus(Money other) {
    return new Money(Math.addExact(nanos, other.nanos));
  }

  public Money minus(Money other) {
    return new Money(Math.subtractExact(nanos, other.nanos));
  }

  public Money times(long factor) {
    return new Money(Math.multiplyExact(nanos, factor));
  }

  /** This amount times an exact decimal factor (a discount, a ratio), rounded HALF_EVEN to the nano-dollar. */
  public Money times(BigDecimal factor) {
    return ofUsd(toUsd().multiply(factor));
  }

  /**
   * This amount taken as a price per million units (a rate per Mtok), applied to {@code units}:
   * {@code nanos × units / 1,000,000}, rounded HALF_EVEN to the nano-dollar. Exact for any inputs:
   * it falls back to big-integer arithmetic when the product does not fit in a long.
   */
  public Money perMillion(long units) {
    long high = Math.multiplyHigh(nanos, units);
    long low = nanos * units;
    if ((high == 0 && low >= 0) || (high == -1 && low < 0)) {
      return new Money(divideHalfEven(low, 1_000_000L));
    }
    BigInteger[] qr = BigInteger.valueOf(nanos).multiply(BigInteger.valueOf(units)).divideAndRemainder(MILLION);
    BigInteger q = qr[0];
    int twice = qr[1].abs().shiftLeft(1).compareTo(MILLION);
    if (twice > 0 || (twice == 0 && q.testBit(0))) {
      q = qr[1].signum() >= 0 ? q.add(BigInteger.ONE) : q.subtract(BigInteger.ONE);
    }
    return new Money(q.longValueExact());
  }

  /** {@code dividend / divisor} rounded to the nearest whole number, ties to even; divisor > 0. */
  static long divideHalfEven(long dividend, long divisor) {
    long q = dividend / divisor;
    long r = dividend % divisor;
    if (r == 0) return q;
    long twice = Math.abs(r) * 2; // |r| < divisor <= Long.MAX_VALUE / 2 for every divisor Sluice uses
    if (twice > divisor || (twice == divisor && (q & 1) != 0)) {
      q += r > 0 ? 1 : -1;
    }
    return q;
  }

  public boolean isZero() {
    return nanos == 0;
  }

  public boolean isNegative() {
    return nanos < 0;
  }

  /** The larger of two amounts. */
  public static Money max(Money a, Money b) {
    return a.nanos >= b.nanos ? a : b;
  }

  /** The exact amount in dollars, with nine decimal places. */
  public BigDecimal toUsd() {
    return BigDecimal.valueOf(nanos, 9);
  }

  @Override
  public int compareTo(Money other) {
    return Long.compare(nanos, other.nanos);
  }

  /**
   * The amount in dollars as plain decimal text with as many decimals as it needs and at least two:
   * {@code 3.00}, {@code 0.0025}, {@code 0.000000001}. Exact; suitable for JSON, CSV and tables.
   */
  @Override
  public String toString() {
    BigDecimal usd = toUsd().stripTrailingZeros();
    if (usd.scale() < 2) usd = usd.setScale(2, RoundingMode.UNNECESSARY);
    return usd.toPlainString();
  }
}
