package dev.sluice.cli;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.Locale;

/**
 * Numbers as tables show them: token counts with thousands separators, and dollar amounts with as
 * many decimals as their column needs: two for whole cents, up to six (the micro-dollar) for the
 * fractions of a cent a single request costs.
 */
final class Amounts {
  private static final int MIN_DECIMALS = 2;
  private static final int MAX_DECIMALS = 6;

  private Amounts() {}

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  /** The decimals that show every amount of a column to the micro-dollar, and no more. */
  static int decimals(Collection<BigDecimal> column) {
    int d = MIN_DECIMALS;
    for (BigDecimal v : column) d = Math.max(d, Math.min(MAX_DECIMALS, v.stripTrailingZeros().scale()));
    return d;
  }

  static String usd(BigDecimal amount, int decimals) {
    return String.format(Locale.ROOT, "%,." + decimals + "f", amount);
  }
}
