package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.error.GatewayException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TimeWindowTest {
  static final Instant NOW = Instant.parse("2026-11-12T12:34:20Z");

  @Test
  void theNamedRangesEndNowInWholeBuckets() {
    TimeWindow hour = TimeWindow.parse("hour", null, null, null, NOW, ZoneOffset.UTC);
    assertThat(hour.granularity()).isEqualTo("minute");
    assertThat(hour.from()).isEqualTo(Instant.parse("2026-11-12T11:34:00Z"));
    assertThat(hour.to()).isEqualTo(NOW);
    assertThat(hour.buckets()).hasSize(61).endsWith(Instant.parse("2026-11-12T12:34:00Z"));

    TimeWindow day = TimeWindow.parse(null, null, null, null, NOW, ZoneOffset.UTC);
    assertThat(day.granularity()).isEqualTo("hour");
    assertThat(day.from()).isEqualTo(Instant.parse("2026-11-11T12:00:00Z"));
    assertThat(day.buckets()).hasSize(25);

    assertThat(TimeWindow.parse("week", null, null, null, NOW, ZoneOffset.UTC).buckets()).hasSize(169);

    TimeWindow month = TimeWindow.parse("month", null, null, null, NOW, ZoneOffset.UTC);
    assertThat(month.granularity()).isEqualTo("day");
    assertThat(month.from()).isEqualTo(Instant.parse("2026-10-13T00:00:00Z"));
    assertThat(month.buckets()).hasSize(31);
  }

  @Test
  void hoursFollowAHalfHourZoneAndDaysItsMidnight() {
    ZoneId kolkata = ZoneId.of("Asia/Kolkata");
    TimeWindow day = TimeWindow.parse("day", null, null, null, NOW, kolkata);
    assertThat(day.from()).isEqualTo(Instant.parse("2026-11-11T12:30:00Z"));
    assertThat(day.buckets().get(1)).isEqualTo(Instant.parse("2026-11-11T13:30:00Z"));

    TimeWindow month = TimeWindow.parse("month", null, null, null, NOW, kolkata);
    assertThat(month.from()).isEqualTo(Instant.parse("2026-10-12T18:30:00Z"));
  }

  @Test
  void daysAcrossADaylightSavingChangeAre23Or25HoursLong() {
    ZoneId newYork = ZoneId.of("America/New_York");
    TimeWindow w = TimeWindow.parse(null, "2026-10-30", "2026-11-03", null, NOW, newYork);

    assertThat(w.granularity()).isEqualTo("hour"); // four days: hours
    TimeWindow days = TimeWindow.parse(null, "2026-10-30", "2026-11-03", "day", NOW, newYork);
    assertThat(days.buckets()).containsExactly(
        Instant.parse("2026-10-30T04:00:00Z"),
        Instant.parse("2026-10-31T04:00:00Z"),
        Instant.parse("2026-11-01T04:00:00Z"),
        Instant.parse("2026-11-02T05:00:00Z")); // 1 November is 25 hours long
    assertThat(days.end(3)).isEqualTo(Instant.parse("2026-11-03T05:00:00Z"));
  }

  @Test
  void anExplicitSpanChoosesItsGranularityBySize() {
    assertThat(TimeWindow.parse(null, "2026-11-12T10:00:00Z", "2026-11-12T12:00:00Z", null, NOW, ZoneOffset.UTC)
        .granularity()).isEqualTo("minute");
    assertThat(TimeWindow.parse(null, "2026-11-06", null, null, NOW, ZoneOffset.UTC).granularity()).isEqualTo("hour");
    assertThat(TimeWindow.parse(null, "2026-09-01", null, null, NOW, ZoneOffset.UTC).granularity()).isEqualTo("day");
  }

  @Test
  void aTimeFallsInTheLastBucketStartingAtOrBeforeIt() {
    TimeWindow w = TimeWindow.parse("day", null, null, null, NOW, ZoneOffset.UTC);

    assertThat(w.indexOf(Instant.parse("2026-11-11T12:00:00Z"))).isZero();
    assertThat(w.indexOf(Instant.parse("2026-11-11T12:59:59Z"))).isZero();
    assertThat(w.indexOf(Instant.parse("2026-11-11T13:00:00Z"))).isEqualTo(1);
    assertThat(w.indexOf(NOW)).isEqualTo(24);
    assertThat(w.indexOf(Instant.parse("2026-11-11T11:59:59Z"))).isEqualTo(-1);
    assertThat(w.end(24)).isEqualTo(NOW);
  }

  @Test
  void nonsenseIsRefusedWithTheParameterNamed() {
    assertThatThrownBy(() -> TimeWindow.parse("year", null, null, null, NOW, ZoneOffset.UTC))
        .isInstanceOf(GatewayException.class).hasMessageContaining("'range'");
    assertThatThrownBy(() -> TimeWindow.parse("day", "2026-11-01", null, null, NOW, ZoneOffset.UTC))
        .isInstanceOf(GatewayException.class).hasMessageContaining("not both");
    assertThatThrownBy(() -> TimeWindow.parse(null, "2026-11-01", null, "week", NOW, ZoneOffset.UTC))
        .isInstanceOf(GatewayException.class).hasMessageContaining("'granularity'");
    assertThatThrownBy(() -> TimeWindow.parse(null, "2026-09-01", null, "minute", NOW, ZoneOffset.UTC))
        .isInstanceOf(GatewayException.class).hasMessageContaining("coarser");
    assertThatThrownBy(() -> TimeWindow.parse(null, "2026-11-13", null, null, NOW, ZoneOffset.UTC))
        .isInstanceOf(GatewayException.class).hasMessageContaining("before");
  }
}
