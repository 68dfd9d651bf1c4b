package dev.sluice.server;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A span of time cut into whole buckets of one granularity, the way the ledger buckets records:
 * minutes, hours starting at the local hour of the zone, or local days (23 or 25 hours long
 * across a daylight-saving change). Charts use it to put a value in every bucket, empty ones too.
 *
 * <p>The named ranges end now and start at the beginning of the bucket that held "now minus the
 * range", so that every bucket is whole but the current one: {@code hour} is 61 minutes,
 * {@code day} 25 hours, {@code week} 169 hours, {@code month} 31 days.
 *
 * @param from the start of the first bucket
 * @param to the end of the window (exclusive); the last bucket may end after it
 * @param granularity {@code minute}, {@code hour} or {@code day}
 * @param buckets the start of each bucket, ascending; never empty
 */
record TimeWindow(Instant from, Instant to, String granularity, List<Instant> buckets) {
  /** At most this many buckets: a month of hours, a little over a day of minutes. */
  static final int MAX_BUCKETS = 2_000;

  TimeWindow {
    buckets = List.copyOf(buckets);
  }

  /**
   * The window a query asks for: a named {@code range} ({@code hour}, {@code day}, {@code week},
   * {@code month}; the default is {@code day}), or {@code from} and {@code to} (RFC 3339 or dates;
   * {@code to} defaults to now). Without a {@code granularity}, one is chosen that gives at most a
   * few hundred buckets.
   */
  static TimeWindow parse(String range, String from, String to, String granularity, Instant now, ZoneId zone) {
    if (range != null && (from != null || to != null)) {
      throw JsonFields.invalid("Give either 'range' or 'from' and 'to', not both.", "range");
    }
    if (granularity != null && !granularity.equals("minute") && !granularity.equals("hour") && !granularity.equals("day")) {
      throw JsonFields.invalid("Parameter 'granularity' must be minute, hour or day.", "granularity");
    }
    if (from == null && to == null) {
      String r = range == null ? "day" : range;
      Duration span = switch (r) {
        case "hour" -> Duration.ofHours(1);
        case "day" -> Duration.ofDays(1);
        case "week" -> Duration.ofDays(7);
        case "month" -> Duration.ofDays(30);
        default -> throw JsonFields.invalid("Parameter 'range' must be hour, day, week or month.", "range");
      };
      String g = granularity != null ? granularity : switch (r) {
        case "hour" -> "minute";
        case "month" -> "day";
        default -> "hour";
      };
      return between(now.minus(span), now, g, zone);
    }
    Instant end = to == null ? now : JsonFields.queryTime("to", to, zone);
    if (from == null) throw JsonFields.invalid("Parameter 'from' is required with 'to'.", "from");
    Instant start = JsonFields.queryTime("from", from, zone);
    if (!start.isBefore(end)) throw JsonFields.invalid("Parameter 'from' must be before 'to'.", "from");
    Duration span = Duration.between(start, end);
    String g = granularity != null ? granularity
        : span.compareTo(Duration.ofHours(3)) <= 0 ? "minute"
        : span.compareTo(Duration.ofDays(8)) <= 0 ? "hour" : "day";
    return between(start, end, g, zone);
  }

  /** The buckets of {@code granularity} from the one holding {@code from} until {@code to}; at least one. */
  static TimeWindow between(Instant from, Instant to, String granularity, ZoneId zone) {
    Instant first = bucketStart(from, granularity, zone);
    List<Instant> buckets = new ArrayList<>();
    Instant b = first;
    do {
      buckets.add(b);
      if (buckets.size() > MAX_BUCKETS) {
        throw JsonFields.invalid("That is more than " + MAX_BUCKETS + " " + granularity
            + "s; choose a coarser granularity or a shorter span.", "granularity");
      }
      b = next(b, granularity, zone);
    } while (b.isBefore(to));
    return new TimeWindow(first, to.isAfter(first) ? to : next(first, granularity, zone), granularity, buckets);
  }

  /** The start of the bucket that holds {@code t}. */
  static Instant bucketStart(Instant t, String granularity, ZoneId zone) {
    return switch (granularity) {
      case "minute" -> t.truncatedTo(ChronoUnit.MINUTES);
      case "hour" -> t.atZone(zone).truncatedTo(ChronoUnit.HOURS).toInstant();
      case "day" -> t.atZone(zone).toLocalDate().atStartOfDay(zone).toInstant();
      default -> throw new IllegalArgumentException("unknown granularity: " + granularity);
    };
  }

  private static Instant next(Instant start, String granularity, ZoneId zone) {
    return switch (granularity) {
      case "minute" -> start.plus(1, ChronoUnit.MINUTES);
      case "hour" -> start.plus(1, ChronoUnit.HOURS);
      default -> {
        LocalDate day = start.atZone(zone).toLocalDate();
        yield day.plusDays(1).atStartOfDay(zone).toInstant();
      }
    };
  }

  /** The index of the bucket holding {@code t}: the last one starting at or before it; -1 before the first. */
  int indexOf(Instant t) {
    int i = Collections.binarySearch(buckets, t);
    return i >= 0 ? i : -i - 2;
  }

  /** Where bucket {@code i} ends: the next one's start, or the window's end for the last. */
  Instant end(int i) {
    return i + 1 < buckets.size() ? buckets.get(i + 1) : to;
  }
}
