package dev.sluice.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.admit.BudgetForecast;
import dev.sluice.admit.BudgetPeriod;
import dev.sluice.api.Json;
import dev.sluice.store.Budgets.Budget;
import dev.sluice.store.Store;
import dev.sluice.store.UsageLedger;
import dev.sluice.store.UsageLedger.LatencyRow;
import dev.sluice.store.UsageLedger.Percentiles;
import dev.sluice.store.UsageLedger.Row;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Read-only reports over the ledger, shaped for charts: time series with a value in every bucket,
 * latency percentiles per backend, the costliest runs, and where each budget is heading. Plain
 * blocking functions from the query string to JSON, run by the edge on a worker thread for
 * callers holding the admin key.
 */
final class AdminReports {
  /** The charts' series: a name, how a ledger row gives it, and whether it is an amount of money. */
  private enum Measure {
    REQUESTS("requests", Row::requests, false),
    TOKENS("tokens", r -> r.inputTokens() + r.cachedInputTokens() + r.cacheWriteTokens() + r.outputTokens(), false),
    INPUT_TOKENS("input_tokens", r -> r.inputTokens() + r.cachedInputTokens() + r.cacheWriteTokens(), false),
    OUTPUT_TOKENS("output_tokens", Row::outputTokens, false),
    COST("cost_usd", Row::costNanos, true),
    CHARGE("charge_usd", Row::chargeNanos, true),
    AVOIDED("avoided_usd", Row::avoidedNanos, true);

    final String wire;
    final ToLongFunction<Row> of;
    final boolean usd;

    Measure(String wire, ToLongFunction<Row> of, boolean usd) {
      this.wire = wire;
      this.of = of;
      this.usd = usd;
    }

    static Measure parse(String s) {
      if (s == null) return COST;
      for (Measure m : values()) if (m.wire.equals(s)) return m;
      throw JsonFields.invalid("Parameter 'measure' must be one of "
          + String.join(", ", Arrays.stream(values()).map(m -> m.wire).toList()) + ".", "measure");
    }
  }

  private final Store store;
  private final InstantSource clock;
  private final ZoneId zone;

  AdminReports(Store store, InstantSource clock, ZoneId zone) {
    this.store = store;
    this.clock = clock;
    this.zone = zone;
  }

  private TimeWindow window(Function<String, String> q) {
    return TimeWindow.parse(q.apply("range"), q.apply("from"), q.apply("to"), q.apply("granularity"), clock.instant(), zone);
  }

  // ---------------------------------------------------------------- series

  /**
   * {@code GET /admin/usage/series}: one measure over time, in every bucket of the window, per
   * value of one dimension. The {@code top} largest series (8 by default) keep their names; the
   * rest are summed into one marked {@code "other": true}. Series that add up to zero are left out.
   */
  ObjectNode series(Function<String, String> q) {
    TimeWindow w = window(q);
    String groupBy = q.apply("group_by");
    if (groupBy != null && groupBy.contains(",")) {
      throw JsonFields.invalid("Parameter 'group_by' takes one dimension here.", "group_by");
    }
    Measure measure = Measure.parse(q.apply("measure"));
    int top = (int) wholeNumber(q.apply("top"), "top", 8, 1, 50);
    List<Row> rows = aggregate(w, groupBy == null ? List.of() : List.of(groupBy), w.granularity(), q.apply("tenant"));

    Map<String, long[]> byName = new LinkedHashMap<>();
    for (Row r : rows) {
      int i = w.indexOf(r.time());
      if (i < 0) continue;
      String name = groupBy == null ? "total" : r.groups().get(groupBy);
      byName.computeIfAbsent(name, k -> new long[w.buckets().size()])[i] += measure.of.applyAsLong(r);
    }
    List<Map.Entry<String, long[]>> ranked = new ArrayList<>(byName.entrySet());
    ranked.removeIf(e -> sum(e.getValue()) == 0);
    ranked.sort(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -sum(e.getValue()))
        .thenComparing(Map.Entry::getKey, Comparator.nullsFirst(Comparator.naturalOrder())));
    long[] other = null;
    int folded = 0;
    if (ranked.size() > top) {
      other = new long[w.buckets().size()];
      for (Map.Entry<String, long[]> e : ranked.subList(top - 1, ranked.size())) {
        for (int i = 0; i < other.length; i++) other[i] += e.getValue()[i];
        folded++;
      }
      ranked = ranked.subList(0, top - 1);
    }

    ObjectNode o = windowJson(w);
    o.put("measure", measure.wire);
    o.put("group_by", groupBy);
    ArrayNode series = o.putArray("series");
    long total = 0;
    for (Map.Entry<String, long[]> e : ranked) {
      ObjectNode s = series.addObject();
      s.put("name", e.getKey());
      total += putValues(s, e.getValue(), measure);
    }
    if (other != null) {
      ObjectNode s = series.addObject();
      s.put("name", "other");
      s.put("other", true);
      s.put("groups", folded);
      total += putValues(s, other, measure);
    }
    putAmount(o, "total", total, measure.usd);
    return o;
  }

  private static long putValues(ObjectNode s, long[] values, Measure measure) {
    long total = sum(values);
    putAmount(s, "total", total, measure.usd);
    ArrayNode a = s.putArray("values");
    for (long v : values) {
      if (measure.usd) a.add(AdminApi.usd(v)); else a.add(v);
    }
    return total;
  }

  // ---------------------------------------------------------------- latency

  /**
   * {@code GET /admin/latency}: latency and time-to-first-token percentiles (p50, p90, p99, in
   * milliseconds) of the calls each backend (by default: model and deployment) answered, over the
   * window and in each of its buckets.
   */
  ObjectNode latency(Function<String, String> q) {
    TimeWindow w = window(q);
    List<String> groups = q.apply("group_by") == null ? List.of("model", "deployment")
        : Arrays.stream(q.apply("group_by").split(",")).map(String::strip).filter(g -> !g.isEmpty()).toList();
    String tenant = q.apply("tenant");
    List<LatencyRow> overall = latencyRows(w, groups, null, tenant);
    List<LatencyRow> bucketed = latencyRows(w, groups, w.granularity(), tenant);

    ObjectNode o = windowJson(w);
    o.set("group_by", Json.MAPPER.valueToTree(groups));
    ArrayNode rows = o.putArray("rows");
    for (LatencyRow r : overall) {
      ObjectNode n = rows.addObject();
      r.groups().forEach(n::put);
      n.put("requests", r.latency().count());
      n.set("latency_ms", percentilesJson(r.latency()));
      n.put("streams", r.ttft().count());
      n.set("ttft_ms", percentilesJson(r.ttft()));
      Percentiles[] lat = new Percentiles[w.buckets().size()];
      Percentiles[] ttft = new Percentiles[w.buckets().size()];
      for (LatencyRow b : bucketed) {
        int i = w.indexOf(b.time());
        if (i < 0 || !b.groups().equals(r.groups())) continue;
        lat[i] = b.latency();
        ttft[i] = b.ttft();
      }
      ObjectNode over = n.putObject("over_time");
      putPercentileSeries(over, "latency", lat);
      putPercentileSeries(over, "ttft", ttft);
    }
    return o;
  }

  private List<LatencyRow> latencyRows(TimeWindow w, List<String> groups, String granularity, String tenant) {
    try {
      return store.ledger().latency(new UsageLedger.Query(w.from(), w.to(), groups, granularity, tenant, zone));
    } catch (IllegalArgumentException e) {
      throw JsonFields.invalid(e.getMessage() + ".", "group_by");
    }
  }

  private static ObjectNode percentilesJson(Percentiles p) {
    if (p.count() == 0) return null;
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("p50", millis(p.p50()));
    o.put("p90", millis(p.p90()));
    o.put("p99", millis(p.p99()));
    return o;
  }

  private static void putPercentileSeries(ObjectNode over, String name, Percentiles[] buckets) {
    ArrayNode p50 = over.putArray(name + "_p50_ms");
    ArrayNode p90 = over.putArray(name + "_p90_ms");
    ArrayNode p99 = over.putArray(name + "_p99_ms");
    for (Percentiles p : buckets) {
      if (p == null || p.count() == 0) {
        p50.addNull();
        p90.addNull();
        p99.addNull();
      } else {
        p50.add(millis(p.p50()));
        p90.add(millis(p.p90()));
        p99.add(millis(p.p99()));
      }
    }
  }

  private static BigDecimal millis(long micros) {
    return BigDecimal.valueOf(micros, 3).stripTrailingZeros();
  }

  // ---------------------------------------------------------------- runs

  /**
   * {@code GET /admin/usage/runs}: the costliest agent runs of the window (calls that carried a
   * run id), dearest first, at most {@code limit} (20 by default), and how many runs there were.
   */
  ObjectNode costliestRuns(Function<String, String> q) {
    TimeWindow w = window(q);
    int limit = (int) wholeNumber(q.apply("limit"), "limit", 20, 1, 1000);
    List<Row> rows = new ArrayList<>(aggregate(w, List.of("tenant", "run"), null, q.apply("tenant")));
    rows.removeIf(r -> r.groups().get("run") == null);
    rows.sort(Comparator.comparingLong((Row r) -> -r.costNanos()).thenComparingLong(r -> -r.requests())
        .thenComparing(r -> r.groups().get("tenant")).thenComparing(r -> r.groups().get("run")));
    ObjectNode o = windowJson(w);
    o.put("runs", rows.size());
    ArrayNode data = o.putArray("data");
    for (Row r : rows.subList(0, Math.min(limit, rows.size()))) {
      ObjectNode n = data.addObject();
      n.put("tenant", r.groups().get("tenant"));
      n.put("run", r.groups().get("run"));
      n.put("requests", r.requests());
      n.put("tokens", Measure.TOKENS.of.applyAsLong(r));
      n.put("cost_usd", AdminApi.usd(r.costNanos()));
      n.put("charge_usd", AdminApi.usd(r.chargeNanos()));
      n.put("avoided_usd", AdminApi.usd(r.avoidedNanos()));
    }
    return o;
  }

  // ---------------------------------------------------------------- budgets

  /**
   * {@code GET /admin/budgets/status}: each budget with what its current period has spent, its
   * burn rate and projected exhaustion ({@link BudgetForecast}), and its burn-down: what remained
   * at the end of each bucket of the period so far (the last 30 days for a {@code total} budget).
   */
  ObjectNode budgetStatus(String tenant) {
    Instant now = clock.instant();
    ObjectNode root = Json.MAPPER.createObjectNode();
    ArrayNode data = root.putArray("data");
    for (Budget b : store.budgets().list(tenant)) {
      BudgetPeriod period = BudgetPeriod.of(b.period(), now, zone);
      String key = b.scope().equals("key") ? b.target() : null;
      String feature = b.scope().equals("feature") ? b.target() : null;
      String user = b.scope().equals("user") ? b.target() : null;
      long spent = store.ledger().chargeNanos(b.tenant(), key, feature, user, period.start(), period.end());
      Instant rateFrom = BudgetForecast.rateWindowStart(period, now);
      long recent = store.ledger().chargeNanos(b.tenant(), key, feature, user, rateFrom, period.end());
      BudgetForecast f = BudgetForecast.of(b.amountNanos(), spent, recent, rateFrom, now, period.end());

      ObjectNode n = AdminApi.budgetJson(b);
      boolean total = b.period().equals("total");
      n.put("period_start", total ? null : period.start().toString());
      n.put("period_end", total ? null : period.end().toString());
      n.put("spent_usd", AdminApi.usd(spent));
      n.put("remaining_usd", AdminApi.usd(Math.max(0, b.amountNanos() - spent)));
      n.put("used", b.amountNanos() == 0 ? BigDecimal.ONE
          : BigDecimal.valueOf(spent).divide(BigDecimal.valueOf(b.amountNanos()), 4, RoundingMode.HALF_UP).stripTrailingZeros());
      n.put("burn_rate_usd_per_day", AdminApi.usd(f.burnNanosPerDay()));
      n.put("rate_window_hours", BigDecimal.valueOf(f.rateWindow().toSeconds())
          .divide(BigDecimal.valueOf(3600), 2, RoundingMode.HALF_UP).stripTrailingZeros());
      n.put("exhausted", f.exhausted());
      n.put("exhausts_at", f.exhaustsAt() == null ? null : f.exhaustsAt().toString());
      n.put("runs_out_this_period", f.runsOutThisPeriod());
      n.set("burn_down", burnDown(b, period, now, spent, key, feature, user));
      data.add(n);
    }
    return root;
  }

  private ObjectNode burnDown(Budget b, BudgetPeriod period, Instant now, long spent, String key, String feature,
      String user) {
    Instant start = b.period().equals("total") ? now.minus(Duration.ofDays(30)) : period.start();
    String granularity = switch (b.period()) {
      case "day", "week" -> "hour";
      default -> "day";
    };
    TimeWindow w = TimeWindow.between(start, now, granularity, zone);
    String dimension = key != null ? "key" : feature != null ? "feature" : user != null ? "user" : null;
    List<Row> rows = aggregate(w, dimension == null ? List.of() : List.of(dimension), granularity, b.tenant());
    long[] perBucket = new long[w.buckets().size()];
    long inWindow = 0;
    for (Row r : rows) {
      if (dimension != null && !Objects.equals(r.groups().get(dimension), b.target())) continue;
      int i = w.indexOf(r.time());
      if (i < 0) continue;
      perBucket[i] += r.chargeNanos();
      inWindow += r.chargeNanos();
    }
    // the spend before the chart starts (the start of the period, or for a total budget all earlier spend)
    long cumulative = spent - inWindow;
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("granularity", granularity);
    ArrayNode times = o.putArray("times");
    ArrayNode remaining = o.putArray("remaining_usd");
    times.add(w.from().getEpochSecond());
    remaining.add(AdminApi.usd(b.amountNanos() - cumulative));
    for (int i = 0; i < perBucket.length; i++) {
      cumulative += perBucket[i];
      Instant end = w.end(i).isAfter(now) ? now : w.end(i);
      times.add(end.getEpochSecond());
      remaining.add(AdminApi.usd(b.amountNanos() - cumulative));
    }
    return o;
  }

  // ---------------------------------------------------------------- helpers

  private List<Row> aggregate(TimeWindow w, List<String> groups, String granularity, String tenant) {
    try {
      return store.ledger().aggregate(new UsageLedger.Query(w.from(), w.to(), groups, granularity, tenant, zone));
    } catch (IllegalArgumentException e) {
      throw JsonFields.invalid(e.getMessage() + ".", "group_by");
    }
  }

  /** The window's bounds, granularity and bucket starts (seconds since the epoch, as charts take them). */
  private ObjectNode windowJson(TimeWindow w) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("from", w.from().toString());
    o.put("to", w.to().toString());
    o.put("time_zone", zone.getId());
    o.put("granularity", w.granularity());
    ArrayNode times = o.putArray("times");
    for (Instant t : w.buckets()) times.add(t.getEpochSecond());
    return o;
  }

  private static void putAmount(ObjectNode o, String field, long value, boolean usd) {
    if (usd) o.put(field, AdminApi.usd(value)); else o.put(field, value);
  }

  private static long sum(long[] values) {
    long s = 0;
    for (long v : values) s += v;
    return s;
  }

  private static long wholeNumber(String value, String name, long byDefault, long min, long max) {
    if (value == null) return byDefault;
    try {
      long n = Long.parseLong(value);
      if (n >= min && n <= max) return n;
    } catch (NumberFormatException e) {
      // refused below
    }
    throw JsonFields.invalid("Parameter '" + name + "' must be a whole number from " + min + " to " + max + ".", name);
  }
}
