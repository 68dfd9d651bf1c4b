package dev.sluice.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.store.jdbc.UsageAggregation.Segment;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TimeBucketsTest {
  static final long HOUR = 3_600_000_000L;

  @Test
  void aFixedOffsetIsOneSegment() {
    assertThat(UsageAggregation.segments(ZoneOffset.ofHoursMinutes(5, 30).getRules(),
        Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-12-31T00:00:00Z")))
        .containsExactly(new Segment(Long.MAX_VALUE, 5 * HOUR + HOUR / 2));
  }

  @Test
  void aYearInNewYorkHasTwoChangesOfOffset() {
    assertThat(UsageAggregation.segments(ZoneId.of("America/New_York").getRules(),
        Instant.parse("2026-01-01T00:00:00Z"), Instant.parse("2026-12-31T00:00:00Z")))
        .containsExactly(
            new Segment(Dialect.micros(Instant.parse("2026-03-08T07:00:00Z")), -5 * HOUR),
            new Segment(Dialect.micros(Instant.parse("2026-11-01T06:00:00Z")), -4 * HOUR),
            new Segment(Long.MAX_VALUE, -5 * HOUR));
  }

  @Test
  void aChangeExactlyAtTheLastRecordCounts() {
    assertThat(UsageAggregation.segments(ZoneId.of("America/New_York").getRules(),
        Instant.parse("2026-03-01T00:00:00Z"), Instant.parse("2026-03-08T07:00:00Z")))
        .containsExactly(
            new Segment(Dialect.micros(Instant.parse("2026-03-08T07:00:00Z")), -5 * HOUR),
            new Segment(Long.MAX_VALUE, -4 * HOUR));
  }
}
