package dev.sluice.meter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class MoneyTest {

  @Test
  void decimalsBecomeWholeNanoDollars() {
    assertThat(Money.parse("3.99").nanos()).isEqualTo(3_990_000_000L);
    assertThat(Money.parse("2.5e-6").nanos()).isEqualTo(2_500L);
    assertThat(Money.parse("0.000000001").nanos()).isEqualTo(1L);
    assertThat(Money.parse("-1.25").nanos()).isEqualTo(-1_250_000_000L);
  }

  @Test
  void finerAmountsRoundHalfToEven() {
    assertThat(Money.parse("0.0000000015").nanos()).isEqualTo(2L); // 1.5 nanos -> 2
    assertThat(Money.parse("0.0000000025").nanos()).isEqualTo(2L); // 2.5 nanos -> 2
    assertThat(Money.parse("0.00000000251").nanos()).isEqualTo(3L);
    assertThat(Money.parse("-0.0000000025").nanos()).isEqualTo(-2L);
  }

  @Test
  void aRatePerMillionTimesTokensRoundsHalfToEven() {
    Money perMtok = Money.parse("2.50"); // 2,500,000,000 nanos per million tokens
    assertThat(perMtok.perMillion(1_000_000).nanos()).isEqualTo(2_500_000_000L);
    assertThat(perMtok.perMillion(1).nanos()).isEqualTo(2_500L);
    Money tiny = Money.ofNanos(500_000); // $0.0005 per Mtok = 0.5 nano per token
    assertThat(tiny.perMillion(1).nanos()).isZero(); // 0.5 -> 0 (even)
    assertThat(tiny.perMillion(3).nanos()).isEqualTo(2L); // 1.5 -> 2 (even)
    assertThat(tiny.perMillion(5).nanos()).isEqualTo(2L); // 2.5 -> 2 (even)
  }

  @Test
  void aProductBeyondALongIsStillExact() {
    Money perMtok = Money.parse("150"); // 1.5e11 nanos
    long tokens = 100_000_000_000L; // 1.5e22 before dividing: past Long.MAX_VALUE
    assertThat(perMtok.perMillion(tokens).nanos()).isEqualTo(15_000_000_000_000_000L);
  }

  @Test
  void sumsThrowRatherThanWrap() {
    assertThatThrownBy(() -> Money.ofNanos(Long.MAX_VALUE).plus(Money.ofNanos(1))).isInstanceOf(ArithmeticException.class);
    assertThatThrownBy(() -> Money.parse("1e12")).isInstanceOf(ArithmeticException.class);
  }

  @Test
  void printsPlainDollarsWithAtLeastTwoDecimals() {
    assertThat(Money.parse("3").toString()).isEqualTo("3.00");
    assertThat(Money.parse("0.0025").toString()).isEqualTo("0.0025");
    assertThat(Money.ofNanos(1).toString()).isEqualTo("0.000000001");
    assertThat(Money.ofNanos(-1_500_000_000L).toString()).isEqualTo("-1.50");
    assertThat(Money.ofNanos(123).toUsd()).isEqualTo(new BigDecimal("0.000000123"));
  }

  @Test
  void timesADecimalFactorRoundsHalfToEven() {
    assertThat(Money.parse("2.50").times(new BigDecimal("0.5"))).isEqualTo(Money.parse("1.25"));
    assertThat(Money.ofNanos(3).times(new BigDecimal("0.5"))).isEqualTo(Money.ofNanos(2)); // 1.5 -> 2
    assertThat(Money.ofNanos(5).times(new BigDecimal("0.5"))).isEqualTo(Money.ofNanos(2)); // 2.5 -> 2
  }
}
