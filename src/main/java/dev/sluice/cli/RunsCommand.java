package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice runs}: explain an agent run, list the costliest runs, stop a run (through the admin API). */
@Command(name = "runs", mixinStandardHelpOptions = true,
    description = "Agent runs of a running gateway: their calls, spend and verdicts.",
    subcommands = {RunsCommand.Show.class, RunsCommand.Top.class, RunsCommand.Stop.class})
final class RunsCommand {

  /** Which run a command is about: its id and tenant (a picocli mixin). */
  static final class RunAddress {
    @Parameters(index = "0", paramLabel = "ID", description = "the run id (X-Sluice-Run, metadata.run_id or a trace id)")
    String id;

    @Option(names = "--tenant", paramLabel = "NAME", description = "the run's tenant (default: default)")
    String tenant;

    /** {@code /admin/runs/ID}, then {@code suffix}, then the tenant parameter. */
    String path(String suffix) {
      return "/admin/runs/" + AdminClient.q(id) + suffix + (tenant == null ? "" : "?tenant=" + AdminClient.q(tenant));
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "The timeline of one run: each call's model, tokens, cost, cache status, latency and verdicts, and totals.",
      footer = {"", "Example: sluice runs show 4bf92f3577b34da6a3ce929d0e0e4736 --tenant acme"})
  static final class Show implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin AdminClient.Options admin;
    @Mixin RunAddress run;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      return Cli.run(spec.commandLine().getErr(), () -> {
        JsonNode run = admin.client().get(this.run.path(""));
        print(run, out);
      });
    }

    static void print(JsonNode run, PrintWriter out) {
      out.println("run " + run.path("run").asText() + " of tenant " + run.path("tenant").asText() + ": "
          + run.path("status").asText() + (run.hasNonNull("parent")
              ? ", sub-run of " + run.path("parent").asText() + " at depth " + run.path("depth").asInt() : "")
          + (run.hasNonNull("started_at") ? ", started " + run.path("started_at").asText() : ""));
      out.println();
      List<BigDecimal> amounts = new ArrayList<>();
      for (JsonNode c : run.path("calls")) amounts.add(c.path("cost_usd").decimalValue());
      amounts.add(run.at("/totals/cost_usd").decimalValue());
      int decimals = Amounts.decimals(amounts);
      Table t = new Table(List.of("#", "TIME", "MODEL", "INPUT", "CACHED", "OUTPUT", "COST $", "CACHE", "LATENCY ms", "STATUS",
          "VERDICTS"), true, false, false, true, true, true, true, false, true, false, false);
      int i = 0;
      for (JsonNode c : run.path("calls")) {
        List<String> verdicts = new ArrayList<>();
        for (JsonNode v : c.path("verdicts")) verdicts.add(v.path("verdict").asText() + ":" + v.path("reason").asText());
        t.add(List.of(Integer.toString(++i), c.path("time").asText(), c.path("model").asText(),
            Amounts.count(c.path("input_tokens").asLong()), Amounts.count(c.path("cached_input_tokens").asLong()),
            Amounts.count(c.path("output_tokens").asLong()), Amounts.usd(c.path("cost_usd").decimalValue(), decimals),
            c.path("cache_status").asText("-"), String.format(Locale.ROOT, "%,.1f", c.path("latency_ms").asDouble()),
            c.path("error_code").isTextual() ? c.path("status").asInt() + " " + c.path("error_code").asText()
                : Integer.toString(c.path("status").asInt()),
            verdicts.isEmpty() ? "-" : String.join(", ", verdicts)));
      }
      JsonNode totals = run.path("totals");
      t.footer(List.of("total", Amounts.count(totals.path("calls").asLong()) + " calls", "",
          Amounts.count(totals.path("input_tokens").asLong()), Amounts.count(totals.path("cached_input_tokens").asLong()),
          Amounts.count(totals.path("output_tokens").asLong()), Amounts.usd(totals.path("cost_usd").decimalValue(), decimals),
          "", String.format(Locale.ROOT, "%,.1f", totals.path("latency_ms").asDouble()),
          Amounts.count(totals.path("refused").asLong()) + " refused", ""));
      t.print(out);
      BigDecimal avoided = totals.path("avoided_usd").decimalValue();
      if (avoided.signum() > 0) {
        out.println();
        out.println("avoided by refusing calls: $" + Amounts.usd(avoided, Amounts.decimals(List.of(avoided))));
      }
      out.flush();
    }
  }

  @Command(name = "top", mixinStandardHelpOptions = true, description = "The costliest runs of a period.",
      footer = {"", "Example: sluice runs top --since 1d"})
  static final class Top implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin AdminClient.Options admin;

    @Option(names = "--since", paramLabel = "WHEN", description = "from this far back (30m, 24h, 1d, 2w) or this time; default: 1d")
    String since = "1d";

    @Option(names = "--tenant", paramLabel = "NAME", description = "only this tenant's runs")
    String tenant;

    @Option(names = "--limit", paramLabel = "N", description = "how many runs (default: 20)")
    int limit = 20;

    @Override
    public Integer call() {
      String from = UsageCommand.queryTime(spec.commandLine(), "--since", since, Instant.now());
      String path = "/admin/usage/runs?from=" + AdminClient.q(from) + "&limit=" + limit
          + (tenant == null ? "" : "&tenant=" + AdminClient.q(tenant));
      PrintWriter out = spec.commandLine().getOut();
      return Cli.run(spec.commandLine().getErr(), () -> {
        JsonNode data = admin.client().get(path).path("data");
        if (data.isEmpty()) {
          out.println("no runs since " + from);
          out.flush();
          return;
        }
        List<BigDecimal> amounts = new ArrayList<>();
        for (JsonNode r : data) amounts.addAll(List.of(r.path("cost_usd").decimalValue(), r.path("avoided_usd").decimalValue()));
        int decimals = Amounts.decimals(amounts);
        Table t = new Table(List.of("RUN", "TENANT", "CALLS", "TOKENS", "COST $", "AVOIDED $"), false, false, true, true, true, true);
        for (JsonNode r : data) {
          t.add(List.of(r.path("run").asText(), r.path("tenant").asText(), Amounts.count(r.path("requests").asLong()),
              Amounts.count(r.path("tokens").asLong()), Amounts.usd(r.path("cost_usd").decimalValue(), decimals),
              Amounts.usd(r.path("avoided_usd").decimalValue(), decimals)));
        }
        out.println("costliest runs since " + from);
        out.println();
        t.print(out);
      });
    }
  }

  @Command(name = "stop", mixinStandardHelpOptions = true,
      description = "Stop a run: its later calls are refused (409 run_stopped) and its open streams end with an error.")
  static final class Stop implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Mixin AdminClient.Options admin;
    @Mixin RunAddress run;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      return Cli.run(spec.commandLine().getErr(), () -> {
        JsonNode r = admin.client().post(run.path("/stop"), com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode());
        out.println("stopped run " + r.path("run").asText() + " of tenant " + r.path("tenant").asText() + " at "
            + r.path("stopped_at").asText());
        out.flush();
      });
    }
  }
}
