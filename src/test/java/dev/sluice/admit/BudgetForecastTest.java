package dev.sluice.admit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class BudgetForecastTest {
  static final long USD = 1_000_000_000L;
  static final Instant NOW = Instant.parse("2026-11-12T06:00:00Z");
  static final BudgetPeriod MONTH = BudgetPeriod.of("month", NOW, ZoneOffset.UTC);
  static final BudgetPeriod DAY = BudgetPeriod.of("day", NOW, ZoneOffset.UTC);

  @Test
  void theRateLooksBackADayWhenThePeriodIsLonger() {
    Instant from = BudgetForecast.rateWindowStart(MONTH, NOW);
    assertThat(from).isEqualTo(NOW.minus(Duration.ofHours(24)));

    // $10 a month, $4 spent, $2 of it in the last 24 hours: $2 a day, $6 left, three days to go
    BudgetForecast f = BudgetForecast.of(10 * USD, 4 * USD, 2 * USD, from, NOW, MONTH.end());

    assertThat(f.burnNanosPerDay()).isEqualTo(2 * USD);
    assertThat(f.rateWindow()).isEqualTo(Duration.ofHours(24));
    assertThat(f.exhaustsAt()).isEqualTo(Instant.parse("2026-11-15T06:00:00Z"));
    assertThat(f.exhausted()).isFalse();
    assertThat(f.runsOutThisPeriod()).isTrue();
  }

  @Test
  void theRateLooksBackOverThePeriodSoFarWhenThatIsShorter() {
    Instant from = BudgetForecast.rateWindowStart(DAY, NOW);
    assertThat(from).isEqualTo(Instant.parse("2026-11-12T00:00:00Z"));

    // $5 a day, $3 spent in the 6 hours since midnight: $12 a day, $2 left, 4 hours to go
    BudgetForecast f = BudgetForecast.of(5 * USD, 3 * USD, 3 * USD, from, NOW, DAY.end());

    assertThat(f.burnNanosPerDay()).isEqualTo(12 * USD);
    assertThat(f.rateWindow()).isEqualTo(Duration.ofHours(6));
    assertThat(f.exhaustsAt()).isEqualTo(Instant.parse("2026-11-12T10:00:00Z"));
    assertThat(f.runsOutThisPeriod()).isTrue();
  }

  @Test
  void aBudgetThatOutlastsItsPeriodHasADateButDoesNotRunOut() {
    // $1 spent in the last day of a $100 monthly budget: it would take 99 more days
    BudgetForecast f = BudgetForecast.of(100 * USD, USD, USD, NOW.minus(Duration.ofDays(1)), NOW, MONTH.end());

    assertThat(f.exhaustsAt()).isEqualTo(NOW.plus(Duration.ofDays(99)));
    assertThat(f.runsOutThisPeriod()).isFalse();
  }

  @Test
  void nothingSpentLatelyMeansNoExhaustionDate() {
    BudgetForecast f = BudgetForecast.of(10 * USD, 4 * USD, 0, NOW.minus(Duration.ofDays(1)), NOW, MONTH.end());

    assertThat(f.burnNanosPerDay()).isZero();
    assertThat(f.exhaustsAt()).isNull();
    assertThat(f.exhausted()).isFalse();
    assertThat(f.runsOutThisPeriod()).isFalse();
  }

  @Test
  void atTheVeryStartOfAPeriodThereIsNoRateYet() {
    Instant midnight = DAY.start();
    BudgetForecast f = BudgetForecast.of(5 * USD, 0, 0, BudgetForecast.rateWindowStart(DAY, midnight), midnight, DAY.end());

    assertThat(f.rateWindow()).isEqualTo(Duration.ZERO);
    assertThat(f.burnNanosPerDay()).isZero();
    assertThat(f.exhaustsAt()).isNull();
  }

  @Test
  void aSpentBudgetIsExhaustedWithoutAForecast() {
    BudgetForecast f = BudgetForecast.of(5 * USD, 5 * USD, 5 * USD, DAY.start(), NOW, DAY.end());

    assertThat(f.exhausted()).isTrue();
    assertThat(f.exhaustsAt()).isNull();
    assertThat(f.burnNanosPerDay()).isEqualTo(20 * USD);
  }

  @Test
  void theMomentIsRoundedUpToTheNanosecondAndTinyRatesReachFarAway() {
    // 3 nano-dollars left at 2 nano-dollars a second: 1.5 s
    BudgetForecast f = BudgetForecast.of(10, 7, 2, NOW.minusSeconds(1), NOW, MONTH.end());
    assertThat(f.exhaustsAt()).isEqualTo(NOW.plusMillis(1500));

    // a nano-dollar a day against a million dollars left: beyond any date worth showing
    BudgetForecast far = BudgetForecast.of(1_000_000 * USD, 0, 1, NOW.minus(Duration.ofDays(1)), NOW,
        BudgetPeriod.of("total", NOW, ZoneOffset.UTC).end());
    assertThat(far.burnNanosPerDay()).isEqualTo(1);
    assertThat(far.exhaustsAt()).isNull();
  }
}
