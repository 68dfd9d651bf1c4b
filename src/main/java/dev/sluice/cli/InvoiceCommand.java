package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice invoice}: a tenant's invoice for a month, through the admin API. */
@Command(name = "invoice", mixinStandardHelpOptions = true,
    description = "Show a tenant's invoice for a calendar month: one line per model (tokens × rate = amount), the fee, the total.",
    footer = {"", "Example: sluice invoice --tenant acme --period 2026-11"})
final class InvoiceCommand implements Callable<Integer> {

  @Spec CommandLine.Model.CommandSpec spec;

  @Mixin AdminClient.Options admin;

  @Option(names = "--tenant", required = true, paramLabel = "NAME", description = "the tenant billed")
  String tenant;

  @Option(names = "--period", required = true, paramLabel = "YYYY-MM",
      description = "the month, in the gateway's time zone (time_zone in its config)")
  String period;

  @Override
  public Integer call() {
    if (!period.matches("\\d{4}-(0[1-9]|1[0-2])")) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--period must be a month such as 2026-11, got '" + period + "'");
    }
    PrintWriter out = spec.commandLine().getOut();
    return Cli.run(spec.commandLine().getErr(), () -> {
      JsonNode inv = admin.client().get("/admin/invoices?tenant=" + AdminClient.q(tenant) + "&period=" + AdminClient.q(period));
      String zone = inv.path("time_zone").asText();
      out.println("invoice for " + inv.path("tenant").asText() + ", " + inv.path("period").asText() + " ("
          + inv.path("from").asText() + " to " + inv.path("to").asText() + ", " + (zone.equals("Z") ? "UTC" : zone) + ")");
      out.println();
      List<BigDecimal> amounts = new ArrayList<>();
      for (JsonNode l : inv.path("lines")) amounts.add(l.path("amount_usd").decimalValue());
      amounts.add(inv.path("total_usd").decimalValue());
      int decimals = Amounts.decimals(amounts);
      Table t = new Table(List.of("DESCRIPTION", "REQUESTS", "TOKENS", "RATE $/MTOK", "AMOUNT $"), false, true, true, true, true);
      for (JsonNode l : inv.path("lines")) {
        boolean usage = l.has("tokens");
        t.add(List.of(l.path("description").asText(),
            usage ? Amounts.count(l.path("requests").asLong()) : "",
            usage ? Amounts.count(l.path("tokens").asLong()) : "",
            usage ? l.path("rate_usd_per_mtok").decimalValue().toPlainString() : "",
            Amounts.usd(l.path("amount_usd").decimalValue(), decimals)));
      }
      if (t.isEmpty()) {
        out.println("no usage and no fee in " + period);
        out.flush();
        return;
      }
      t.footer(List.of("total", Amounts.count(inv.path("requests").asLong()), "", "",
          Amounts.usd(inv.path("total_usd").decimalValue(), decimals)));
      t.print(out);
      BigDecimal cost = inv.path("cost_usd").decimalValue();
      BigDecimal margin = inv.path("margin_usd").decimalValue();
      int d = Amounts.decimals(List.of(cost, margin));
      out.println();
      out.println("upstream cost $" + Amounts.usd(cost, d) + ", margin $" + Amounts.usd(margin, d));
      out.flush();
    });
  }
}
