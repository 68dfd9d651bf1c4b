package dev.sluice.store.jdbc;

import static java.util.Map.entry;

import dev.sluice.store.UsageLedger.LatencyRow;
import dev.sluice.store.UsageLedger.Percentiles;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Sums and percentiles over the ledger, grouped by a whitelist of columns and, optionally, by
 * minute, hour or day.
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
 *   <li>a minute bucket is {@code floor((t + off) / 1min) * 1min - off}, the instant its local
 *       minute began;
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
      entry("status", "CAST(status AS TEXT)"),
      entry("error_code", "error_code"));

  private static final String SUMS = "COUNT(*) AS requests, SUM(input_tokens) AS input_tokens, "
      + "SUM(cached_input_tokens) AS cached_input_tokens, SUM(cache_write_tokens) AS cache_write_tokens, "
      + "SUM(output_tokens) AS output_tokens, SUM(cost_nanos) AS cost_nanos, SUM(charge_nanos) AS charge_nanos, "
      + "SUM(avoided_nanos) AS avoided_nanos, SUM(CASE WHEN priced THEN 0 ELSE 1 END) AS unpriced";
  private static final String MEASURES = "input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, "
      + "cost_nanos, charge_nanos, avoided_nanos, priced";
  private static final long MINUTE = 60_000_000L;
  private static final long HOUR = 3_600_000_000L;
  private static final long DAY = 86_400_000_000L;

  private enum Granularity { NONE, MINUTE, HOUR, DAY }

  private final Jdbc jdbc;

  UsageAggregation(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  List<Row> run(Query q) {
    Filter f = filter(q, "");
    if (f == null) return List.of();
    Grouping g = grouping(f);
    if (g == null) return List.of(); // bucketed, and no record in range
    StringBuilder sql = new StringBuilder("SELECT ");
    for (String c : g.columns()) sql.append(c).append(", ");
    sql.append(SUMS).append(" FROM (SELECT ").append(g.select()).append(MEASURES).append(f.where()).append(") u");
    if (!g.columns().isEmpty()) sql.append(" GROUP BY ").append(String.join(", ", g.columns()));
    List<Row> rows = new ArrayList<>(jdbc.query("aggregate usage", sql.toString(),
        rs -> row(rs, f.groups(), f.granularity(), f.zone()), g.params(f).toArray()));
    rows.sort(order(f.groups(), Row::groups, Row::time));
    return rows;
  }

  /**
   * Nearest-rank percentiles of latency and of time to first token, per group and bucket.
   *
   * <p>Both databases rank durations with window functions ({@code ROW_NUMBER} and {@code COUNT}
   * over each group's partition) and return only the rows at the ranks wanted, {@code ceil(p * n)}
   * in integer arithmetic: {@code (n + 1) / 2}, {@code (9n + 9) / 10} and {@code (99n + 99) / 100}.
   * So however many calls there are, at most three rows per group and bucket leave the database.
   */
  List<LatencyRow> latency(Query q) {
    Filter f = filter(q, ANSWERED);
    if (f == null) return List.of();
    Map<List<Object>, Percentiles> latency = percentiles(f, "latency_micros", "");
    Map<List<Object>, Percentiles> ttft = percentiles(f, "ttft_micros", " AND ttft_micros >= 0");
    List<LatencyRow> rows = new ArrayList<>();
    for (Map.Entry<List<Object>, Percentiles> e : latency.entrySet()) {
      rows.add(latencyRow(f, e.getKey(), e.getValue(), ttft.getOrDefault(e.getKey(), Percentiles.NONE)));
    }
    for (Map.Entry<List<Object>, Percentiles> e : ttft.entrySet()) {
      if (!latency.containsKey(e.getKey())) rows.add(latencyRow(f, e.getKey(), Percentiles.NONE, e.getValue()));
    }
    rows.sort(order(f.groups(), LatencyRow::groups, LatencyRow::time));
    return rows;
  }

  /** Calls a backend answered: a deployment served them, successfully, and no cache did. */
  private static final String ANSWERED = " AND deployment IS NOT NULL AND status < 400"
      + " AND (cache_status IS NULL OR cache_status NOT IN ('hit', 'semantic', 'joined'))";

  private Map<List<Object>, Percentiles> percentiles(Filter f, String column, String extra) {
    Filter narrowed = f.and(extra);
    Grouping g = grouping(narrowed);
    if (g == null) return Map.of();
    String partition = g.columns().isEmpty() ? "" : "PARTITION BY " + String.join(", ", g.columns()) + " ";
    StringBuilder cols = new StringBuilder();
    for (String c : g.columns()) cols.append(c).append(", ");
    String sql = "SELECT * FROM (SELECT " + cols + "v, ROW_NUMBER() OVER (" + partition + "ORDER BY v) AS rn, "
        + "COUNT(*) OVER (" + partition + ") AS n FROM (SELECT " + g.select() + column + " AS v" + narrowed.where()
        + ") u) r WHERE rn = (n + 1) / 2 OR rn = (9 * n + 9) / 10 OR rn = (99 * n + 99) / 100";
    record Ranked(List<Object> key, long n, long rank, long value) {}
    List<Ranked> ranked = jdbc.query("rank durations", sql, rs -> {
      List<Object> key = new ArrayList<>();
      for (int i = 0; i < f.groups().size(); i++) key.add(rs.getString("g" + i));
      if (f.granularity() != Granularity.NONE) key.add(rs.getLong("bucket"));
      return new Ranked(Collections.unmodifiableList(key), rs.getLong("n"), rs.getLong("rn"), rs.getLong("v"));
    }, g.params(narrowed).toArray());
    Map<List<Object>, Map<Long, Long>> byKey = new LinkedHashMap<>();
    Map<List<Object>, Long> counts = new HashMap<>();
    for (Ranked r : ranked) {
      byKey.computeIfAbsent(r.key(), k -> new HashMap<>()).put(r.rank(), r.value());
      counts.put(r.key(), r.n());
    }
    Map<List<Object>, Percentiles> out = new LinkedHashMap<>();
    byKey.forEach((key, values) -> {
      long n = counts.get(key);
      out.put(key, new Percentiles(n, values.get((n + 1) / 2), values.get((9 * n + 9) / 10),
          values.get((99 * n + 99) / 100)));
    });
    return out;
  }

  private static LatencyRow latencyRow(Filter f, List<Object> key, Percentiles latency, Percentiles ttft) {
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < f.groups().size(); i++) values.put(f.groups().get(i), (String) key.get(i));
    Instant time = f.granularity() == Granularity.NONE ? null : bucketTime(f.granularity(), (Long) key.getLast(), f.zone());
    return new LatencyRow(Collections.unmodifiableMap(values), time, latency, ttft);
  }

  /** The records a query covers: its checked groups and granularity, and the WHERE clause with its values. */
  private record Filter(List<String> groups, Granularity granularity, ZoneId zone, String where, List<Object> params) {
    Filter and(String condition) {
      return new Filter(groups, granularity, zone, where + condition, params);
    }
  }

  /** The query's filter, with {@code condition} (fixed SQL) added; null when its range is empty. */
  private static Filter filter(Query q, String condition) {
    List<String> groups = checkedGroups(q.groupBy());
    Granularity granularity = granularity(q.granularity());
    if (q.from() == null || q.to() == null) throw new IllegalArgumentException("a usage query needs from and to");
    ZoneId zone = q.zone() == null ? ZoneOffset.UTC : q.zone();
    if (!q.from().isBefore(q.to())) return null;
    List<Object> params = new ArrayList<>();
    StringBuilder where = new StringBuilder(" FROM usage_records WHERE time >= ? AND time < ?");
    params.add(q.from());
    params.add(q.to());
    if (q.tenant() != null) {
      where.append(" AND tenant = ?");
      params.add(q.tenant());
    }
    where.append(condition);
    return new Filter(groups, granularity, zone, where.toString(), List.copyOf(params));
  }

  /**
   * The grouping columns a query selects ({@code g0, g1, ..., bucket}): {@code select} is their
   * SQL, each followed by a comma, and {@code params} the values it binds (they come before the
   * WHERE clause's).
   */
  private record Grouping(String select, List<String> columns, List<Object> params) {
    List<Object> params(Filter f) {
      List<Object> all = new ArrayList<>(params);
      all.addAll(f.params());
      return all;
    }
  }

  /** The grouping of a filter's records; null when bucketed and no record matches. */
  private Grouping grouping(Filter f) {
    StringBuilder select = new StringBuilder();
    List<String> columns = new ArrayList<>();
    List<Object> params = new ArrayList<>();
    for (int i = 0; i < f.groups().size(); i++) {
      select.append(GROUPS.get(f.groups().get(i))).append(" AS g").append(i).append(", ");
      columns.add("g" + i);
    }
    if (f.granularity() != Granularity.NONE) {
      List<Segment> segments = segments(f.zone(), f.where(), f.params());
      if (segments.isEmpty()) return null;
      String t = jdbc.dialect().epochMicros("time");
      List<Object> offsetParams = new ArrayList<>();
      String off = offsetSql(t, segments, offsetParams);
      params.addAll(offsetParams);
      if (f.granularity() == Granularity.DAY) {
        select.append('(').append(t).append(" + ").append(off).append(") / ").append(DAY);
      } else {
        long size = f.granularity() == Granularity.HOUR ? HOUR : MINUTE;
        select.append("((").append(t).append(" + ").append(off).append(") / ").append(size).append(") * ")
            .append(size).append(" - ").append(off);
        params.addAll(offsetParams); // the offset appears twice
      }
      select.append(" AS bucket, ");
      columns.add("bucket");
    }
    return new Grouping(select.toString(), columns, params);
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
      case "minute" -> Granularity.MINUTE;
      case "hour" -> Granularity.HOUR;
      case "day" -> Granularity.DAY;
      default -> throw new IllegalArgumentException("granularity must be 'minute', 'hour' or 'day', got '" + g + "'");
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
    Instant time = granularity == Granularity.NONE ? null : bucketTime(granularity, rs.getLong("bucket"), zone);
    return new Row(Collections.unmodifiableMap(values), time, rs.getLong("requests"), rs.getLong("input_tokens"),
        rs.getLong("cached_input_tokens"), rs.getLong("cache_write_tokens"), rs.getLong("output_tokens"),
        rs.getLong("cost_nanos"), rs.getLong("charge_nanos"), rs.getLong("avoided_nanos"), rs.getLong("unpriced"));
  }

  /** The start of a bucket, from the value the SQL gives it: microseconds, or a local date for days. */
  private static Instant bucketTime(Granularity granularity, long bucket, ZoneId zone) {
    return granularity == Granularity.DAY ? LocalDate.ofEpochDay(bucket).atStartOfDay(zone).toInstant()
        : Dialect.fromMicros(bucket);
  }

  /** By bucket, then by group values with nulls first. */
  private static <T> Comparator<T> order(List<String> groups, Function<T, Map<String, String>> groupsOf,
      Function<T, Instant> timeOf) {
    Comparator<T> order = Comparator.comparing(timeOf, Comparator.nullsFirst(Comparator.naturalOrder()));
    for (String g : groups) {
      order = order.thenComparing(r -> groupsOf.apply(r).get(g), Comparator.nullsFirst(Comparator.naturalOrder()));
    }
    return order;
  }
}
