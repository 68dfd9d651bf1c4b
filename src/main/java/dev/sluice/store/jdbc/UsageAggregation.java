package dev.sluice.store.jdbc;

import static java.util.Map.entry;

import dev.sluice.store.UsageLedger.Query;
import dev.sluice.store.UsageLedger.Row;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sums over the ledger, grouped by a whitelist of columns and, optionally, by hour or day.
 *
 * <h2>SQL</h2>
 *
 * The statement is assembled only from fixed fragments chosen by name from {@link #GROUPS}; a
 * name outside it is refused, so nothing a caller sends is ever written into SQL. Every value
 * (times, tenant, offsets) is a bound parameter.
 *
 * <h2>Time buckets</h2>
 *
 * Buckets follow the query's zone, also on SQLite, which has no time-zone database. The offsets
 * the zone uses over the span of the matching records are computed in Java (from the zone's
 * rules, between the first and last matching record) and passed to the database as a CASE over
 * the record's time: {@code off = CASE WHEN t < transition1 THEN offset0 WHEN ... ELSE offsetN END}.
 * With {@code t} in microseconds since the epoch and {@code t + off} the local wall-clock time:
 *
 * <ul>
 *   <li>an hour bucket is the instant the record's local hour began:
 *       {@code floor((t + off) / 1h) * 1h - off}. In zones at a whole-hour offset that is the UTC
 *       hour; in India (+05:30) hours start at :30 UTC; across a DST change the two 01:00 local
 *       hours of the night the clocks go back stay two buckets, each an hour long.
 *   <li>a day bucket is the local date, {@code floor((t + off) / 1d)}; Java turns it into the
 *       instant that date starts in the zone, so a day is 23 or 25 hours long across a DST change.
 * </ul>
 *
 * The same SQL runs on both databases (PostgreSQL converts its {@code timestamptz} to microseconds
 * first), so they bucket identically. Times before 1970 are not supported (integer division
 * truncates towards zero). Rows come back ordered by bucket, then by group values with nulls
 * first, sorted in Java so both databases order them the same.
 */
final class UsageAggregation {
  /** The group-by names a query may use, and the SQL each stands for. */
  static final Map<String, String> GROUPS = Map.ofEntries(
      entry("tenant", "tenant"),
      entry("key", "key_id"),
      entry("feature", "feature"),
      entry("user", "end_user"),
      entry("run", "run"),
      entry("model", "COALESCE(model_served, model_asked)"), // the model that answered, else the one asked
      entry("deployment", "deployment"),
      entry("pool", "pool"),
      entry("mechanism", "mechanism"),
      entry("status", "CAST(status AS TEXT)"));

  private static final String SUMS = "COUNT(*) AS requests, SUM(input_tokens) AS input_tokens, "
      + "SUM(cached_input_tokens) AS cached_input_tokens, SUM(cache_write_tokens) AS cache_write_tokens, "
      + "SUM(output_tokens) AS output_tokens, SUM(cost_nanos) AS cost_nanos, SUM(charge_nanos) AS charge_nanos, "
      + "SUM(avoided_nanos) AS avoided_nanos, SUM(CASE WHEN priced THEN 0 ELSE 1 END) AS unpriced";
  private static final String MEASURES = "input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, "
      + "cost_nanos, charge_nanos, avoided_nanos, priced";
  private static final long HOUR = 3_600_000_000L;
  private static final long DAY = 86_400_000_000L;

  private enum Granularity { NONE, HOUR, DAY }

  private final Jdbc jdbc;

  UsageAggregation(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  List<Row> run(Query q) {
    List<String> groups = checkedGroups(q.groupBy());
    Granularity granularity = granularity(q.granularity());
    if (q.from() == null || q.to() == null) throw new IllegalArgumentException("a usage query needs from and to");
    ZoneId zone = q.zone() == null ? ZoneOffset.UTC : q.zone();
    if (!q.from().isBefore(q.to())) return List.of();

    List<Object> params = new ArrayList<>();
    StringBuilder where = new StringBuilder(" FROM usage_records WHERE time >= ? AND time < ?");
    params.add(q.from());
    params.add(q.to());
    if (q.tenant() != null) {
      where.append(" AND tenant = ?");
      params.add(q.tenant());
    }

    StringBuilder inner = new StringBuilder("SELECT ");
    StringBuilder outer = new StringBuilder("SELECT ");
    StringBuilder groupBy = new StringBuilder();
    List<Object> innerParams = new ArrayList<>();
    for (int i = 0; i < groups.size(); i++) {
      inner.append(GROUPS.get(groups.get(i))).append(" AS g").append(i).append(", ");
      outer.append('g').append(i).append(", ");
      groupBy.append(groupBy.isEmpty() ? " GROUP BY " : ", ").append('g').append(i);
    }
    if (granularity != Granularity.NONE) {
      List<Segment> segments = segments(zone, where.toString(), params);
      if (segments.isEmpty()) return List.of(); // no record in range
      String t = jdbc.dialect().epochMicros("time");
      List<Object> offsetParams = new ArrayList<>();
      String off = offsetSql(t, segments, offsetParams);
      innerParams.addAll(offsetParams);
      if (granularity == Granularity.HOUR) {
        inner.append("((").append(t).append(" + ").append(off).append(") / ").append(HOUR).append(") * ")
            .append(HOUR).append(" - ").append(off);
        innerParams.addAll(offsetParams); // the offset appears twice
      } else {
        inner.append('(').append(t).append(" + ").append(off).append(") / ").append(DAY);
      }
      inner.append(" AS bucket, ");
      outer.append("bucket, ");
      groupBy.append(groupBy.isEmpty() ? " GROUP BY " : ", ").append("bucket");
    }
    inner.append(MEASURES).append(where);
    outer.append(SUMS).append(" FROM (").append(inner).append(") u").append(groupBy);

    List<Object> all = new ArrayList<>(innerParams);
    all.addAll(params);
    List<Row> rows = new ArrayList<>(jdbc.query("aggregate usage", outer.toString(),
        rs -> row(rs, groups, granularity, zone), all.toArray()));
    rows.sort(order(groups));
    return rows;
  }

  /** Total charge of matching records; a null filter matches every record. */
  long charge(String tenant, String keyId, String feature, String user, Instant from, Instant to) {
    StringBuilder sql = new StringBuilder(
        "SELECT COALESCE(SUM(charge_nanos), 0) AS charge FROM usage_records WHERE time >= ? AND time < ?");
    List<Object> params = new ArrayList<>(List.of(from, to));
    String[][] filters = {{"tenant", tenant}, {"key_id", keyId}, {"feature", feature}, {"end_user", user}};
    for (String[] f : filters) {
      if (f[1] != null) {
        sql.append(" AND ").append(f[0]).append(" = ?");
        params.add(f[1]);
      }
    }
    return jdbc.query("sum charges", sql.toString(), rs -> rs.getLong("charge"), params.toArray()).getFirst();
  }

  private static List<String> checkedGroups(List<String> groupBy) {
    Set<String> seen = new HashSet<>();
    for (String g : groupBy) {
      if (!GROUPS.containsKey(g)) {
        throw new IllegalArgumentException("cannot group usage by '" + g + "'; use any of "
            + String.join(", ", GROUPS.keySet().stream().sorted().toList()));
      }
      if (!seen.add(g)) throw new IllegalArgumentException("usage is grouped by '" + g + "' twice");
    }
    return groupBy;
  }

  private static Granularity granularity(String g) {
    if (g == null) return Granularity.NONE;
    return switch (g) {
      case "hour" -> Granularity.HOUR;
      case "day" -> Granularity.DAY;
      default -> throw new IllegalArgumentException("granularity must be 'hour' or 'day', got '" + g + "'");
    };
  }

  /** A stretch of time at one offset: until {@code untilMicros} (exclusive), or forever for the last. */
  record Segment(long untilMicros, long offsetMicros) {}

  /** The zone's offsets between the first and the last matching record; empty when none matches. */
  private List<Segment> segments(ZoneId zone, String where, List<Object> params) {
    Dialect d = jdbc.dialect();
    List<Instant[]> span = jdbc.query("find the span of usage", "SELECT MIN(time) AS first, MAX(time) AS last" + where,
        rs -> new Instant[] {d.time(rs, "first"), d.time(rs, "last")}, params.toArray());
    Instant first = span.getFirst()[0];
    Instant last = span.getFirst()[1];
    return first == null ? List.of() : segments(zone.getRules(), first, last);
  }

  static List<Segment> segments(ZoneRules rules, Instant first, Instant last) {
    List<Segment> segments = new ArrayList<>();
    ZoneOffset offset = rules.getOffset(first);
    Instant t = first;
    for (ZoneOffsetTransition next = rules.nextTransition(t); next != null && !next.getInstant().isAfter(last);
        next = rules.nextTransition(t)) {
      segments.add(new Segment(Dialect.micros(next.getInstant()), offset.getTotalSeconds() * 1_000_000L));
      offset = next.getOffsetAfter();
      t = next.getInstant();
    }
    segments.add(new Segment(Long.MAX_VALUE, offset.getTotalSeconds() * 1_000_000L));
    return segments;
  }

  /** {@code CASE WHEN t < ? THEN ? ... ELSE ? END}, or a single {@code ?}, with its values added to {@code params}. */
  private static String offsetSql(String t, List<Segment> segments, List<Object> params) {
    if (segments.size() == 1) {
      params.add(segments.getFirst().offsetMicros());
      return "?";
    }
    StringBuilder sql = new StringBuilder("(CASE");
    for (int i = 0; i < segments.size() - 1; i++) {
      sql.append(" WHEN ").append(t).append(" < ? THEN ?");
      params.add(segments.get(i).untilMicros());
      params.add(segments.get(i).offsetMicros());
    }
    sql.append(" ELSE ? END)");
    params.add(segments.getLast().offsetMicros());
    return sql.toString();
  }

  private static Row row(ResultSet rs, List<String> groups, Granularity granularity, ZoneId zone)
      throws SQLException {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < groups.size(); i++) values.put(groups.get(i), rs.getString("g" + i));
    Instant time = switch (granularity) {
      case NONE -> null;
      case HOUR -> Dialect.fromMicros(rs.getLong("bucket"));
      case DAY -> LocalDate.ofEpochDay(rs.getLong("bucket")).atStartOfDay(zone).toInstant();
    };
    return new Row(Collections.unmodifiableMap(values), time, rs.getLong("requests"), rs.getLong("input_tokens"),
        rs.getLong("cached_input_tokens"), rs.getLong("cache_write_tokens"), rs.getLong("output_tokens"),
        rs.getLong("cost_nanos"), rs.getLong("charge_nanos"), rs.getLong("avoided_nanos"), rs.getLong("unpriced"));
  }

  private static Comparator<Row> order(List<String> groups) {
    Comparator<Row> order = Comparator.comparing(Row::time, Comparator.nullsFirst(Comparator.naturalOrder()));
    for (String g : groups) {
      order = order.thenComparing(r -> r.groups().get(g), Comparator.nullsFirst(Comparator.naturalOrder()));
    }
    return order;
  }
}
