package dev.sluice.admit;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;

/**
 * The calendar window a budget counts spend in: a day, a week (from Monday), a month, or all time,
 * aligned to midnight in the configured time zone.
 *
 * @param end exclusive
 */
public record BudgetPeriod(Instant start, Instant end) {
  static final Instant FOREVER = Instant.parse("9999-01-01T00:00:00Z");

  /** The window of {@code period} ({@code day}, {@code week}, {@code month}, {@code total}) containing {@code now}. */
  public static BudgetPeriod of(String period, Instant now, ZoneId zone) {
    LocalDate today = now.atZone(zone).toLocalDate();
    return switch (period) {
      case "day" -> between(today, today.plusDays(1), zone);
      case "week" -> {
        LocalDate monday = today.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
        yield between(monday, monday.plusWeeks(1), zone);
      }
      case "month" -> {
        LocalDate first = today.withDayOfMonth(1);
        yield between(first, first.plusMonths(1), zone);
      }
      case "total" -> new BudgetPeriod(Instant.EPOCH, FOREVER);
      default -> throw new IllegalArgumentException("unknown budget period: " + period);
    };
  }

  private static BudgetPeriod between(LocalDate from, LocalDate to, ZoneId zone) {
    ZonedDateTime a = from.atStartOfDay(zone);
    ZonedDateTime b = to.atStartOfDay(zone);
    return new BudgetPeriod(a.toInstant(), b.toInstant());
  }
}
