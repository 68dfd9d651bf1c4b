package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice usage}: the usage ledger summed and grouped, as a table or CSV, through the admin API. */
@Command(name = "usage", mixinStandardHelpOptions = true,
    description = {"Show usage and spend from the ledger of a running gateway, grouped as asked.",
        "Amounts are in USD: cost is what upstreams are paid, charge what tenants are billed, avoided what caches saved."},
    footer = {"", "Example: sluice usage --by tenant,feature --since 7d"})
final class UsageCommand implements Callable<Integer> {
  private static final Pattern RELATIVE = Pattern.compile("(\\d{1,9})([mhdw])");

  /** How usage is bucketed in time. */
  enum Granularity { HOUR, DAY }

  @Spec CommandLine.Model.CommandSpec spec;

  @Mixin AdminClient.Options admin;

  @Option(names = "--by", split = ",", paramLabel = "FIELD",
      description = "group by any of tenant, key, feature, user, run, model, deployment, pool, mechanism, status")
  List<String> by = List.of();

  @Option(names = "--since", paramLabel = "WHEN",
      description = {"from this far back (30m, 24h, 7d, 2w) or this time (2026-11-01T09:00:00Z, or 2026-11-01: midnight "
          + "in the gateway's time zone); default: 30 days"})
  String since;

  @Option(names = "--until", paramLabel = "WHEN", description = "up to this time, in the same forms as --since; default: now")
  String until;

  @Option(names = "--tenant", paramLabel = "NAME", description = "only this tenant's usage")
  String tenant;

  @Option(names = "--granularity", paramLabel = "hour|day", description = "one row per hour or day as well")
  Granularity granularity;

  @Option(names = "--csv", description = "print CSV (all the ledger's columns) instead of a table")
  boolean csv;

  @Override
  public Integer call() {
    Instant now = Instant.now();
    String from = since == null ? null : queryTime(spec.commandLine(), "--since", since, now);
    String to = until == null ? null : queryTime(spec.commandLine(), "--until", until, now);
    StringBuilder path = new StringBuilder("/admin/usage?");
    if (!by.isEmpty()) path.append("group_by=").append(AdminClient.q(String.join(",", by))).append('&');
    if (from != null) path.append("from=").append(AdminClient.q(from)).append('&');
    if (to != null) path.append("to=").append(AdminClient.q(to)).append('&');
    if (tenant != null) path.append("tenant=").append(AdminClient.q(tenant)).append('&');
    if (granularity != null) path.append("granularity=").append(granularity.name().toLowerCase(Locale.ROOT)).append('&');
    path.setLength(path.length() - 1);
    PrintWriter out = spec.commandLine().getOut();
    return Cli.run(spec.commandLine().getErr(), () -> {
      AdminClient client = admin.client();
      if (csv) {
        out.print(client.getText(path.toString(), "text/csv"));
        out.flush();
        return;
      }
      JsonNode rows = client.get(path.toString()).path("rows");
      out.println("usage " + (from == null ? "of the last 30 days" : "since " + from) + (to == null ? "" : " until " + to)
          + (tenant == null ? "" : ", tenant " + tenant));
      out.println();
      print(rows, out);
    });
  }

  private void print(JsonNode rows, PrintWriter out) {
    List<String> labels = new ArrayList<>();
    for (String b : by) labels.add(b.strip().toUpperCase(Locale.ROOT));
    if (granularity != null) labels.add("TIME");
    boolean onlyTotals = labels.isEmpty();
    if (onlyTotals) labels.add("");
    long requests = 0;
    long input = 0;
    long cached = 0;
    long output = 0;
    long unpriced = 0;
    BigDecimal cost = BigDecimal.ZERO;
    BigDecimal charge = BigDecimal.ZERO;
    BigDecimal avoided = BigDecimal.ZERO;
    List<BigDecimal> amounts = new ArrayList<>();
    for (JsonNode r : rows) {
      requests += r.path("requests").asLong();
      input += r.path("input_tokens").asLong();
      cached += r.path("cached_input_tokens").asLong();
      output += r.path("output_tokens").asLong();
      unpriced += r.path("unpriced_requests").asLong();
      cost = cost.add(r.path("cost_usd").decimalValue());
      charge = charge.add(r.path("charge_usd").decimalValue());
      avoided = avoided.add(r.path("avoided_usd").decimalValue());
      amounts.addAll(List.of(r.path("cost_usd").decimalValue(), r.path("charge_usd").decimalValue(),
          r.path("avoided_usd").decimalValue()));
    }
    if (requests == 0) {
      out.println("no requests in this period");
      out.flush();
      return;
    }
    int decimals = Amounts.decimals(amounts);
    List<String> header = new ArrayList<>(labels);
    header.addAll(List.of("REQUESTS", "INPUT", "CACHED", "OUTPUT", "COST $", "CHARGE $", "AVOIDED $"));
    boolean[] numeric = new boolean[header.size()];
    for (int i = labels.size(); i < numeric.length; i++) numeric[i] = true;
    Table table = new Table(header, numeric);
    if (!onlyTotals) {
      for (JsonNode r : rows) {
        List<String> cells = new ArrayList<>();
        for (String b : by) cells.add(r.path(b.strip()).isNull() || r.path(b.strip()).isMissingNode() ? "-" : r.path(b.strip()).asText());
        if (granularity != null) cells.add(r.path("time").asText());
        cells.addAll(metrics(r.path("requests").asLong(), r.path("input_tokens").asLong(), r.path("cached_input_tokens").asLong(),
            r.path("output_tokens").asLong(), r.path("cost_usd").decimalValue(), r.path("charge_usd").decimalValue(),
            r.path("avoided_usd").decimalValue(), decimals));
        table.add(cells);
      }
    }
    List<String> totals = new ArrayList<>();
    totals.add("total");
    while (totals.size() < labels.size()) totals.add("");
    totals.addAll(metrics(requests, input, cached, output, cost, charge, avoided, decimals));
    if (onlyTotals) table.add(totals); else table.footer(totals);
    table.print(out);
    if (unpriced > 0) {
      out.println();
      out.println("note: " + Amounts.count(unpriced) + (unpriced == 1 ? " request has" : " requests have")
          + " no known price and count as $0 of cost: set price or cost_per_hour on its model or deployment");
    }
    out.flush();
  }

  private static List<String> metrics(long requests, long input, long cached, long output, BigDecimal cost, BigDecimal charge,
      BigDecimal avoided, int decimals) {
    return List.of(Amounts.count(requests), Amounts.count(input), Amounts.count(cached), Amounts.count(output),
        Amounts.usd(cost, decimals), Amounts.usd(charge, decimals), Amounts.usd(avoided, decimals));
  }

  /**
   * A {@code from} or {@code to} for the admin API: a span back from {@code now} ({@code 30m},
   * {@code 24h}, {@code 7d}, {@code 2w}) becomes that instant; a date or an RFC 3339 time goes as it is.
   */
  static String queryTime(CommandLine command, String option, String value, Instant now) {
    String v = value.strip();
    try {
      Matcher m = RELATIVE.matcher(v);
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        Duration span = switch (m.group(2)) {
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          case "d" -> Duration.ofDays(n);
          default -> Duration.ofDays(7 * n);
        };
        return now.minus(span).truncatedTo(ChronoUnit.SECONDS).toString();
      }
      if (v.length() == 10) {
        LocalDate.parse(v);
      } else {
        OffsetDateTime.parse(v);
      }
      return v;
    } catch (DateTimeException | ArithmeticException e) {
      throw new CommandLine.ParameterException(command, option + " must be a span back from now (30m, 24h, 7d, 2w) "
          + "or a time (2026-11-01 or 2026-11-01T09:00:00Z), got '" + value + "'");
    }
  }
}
