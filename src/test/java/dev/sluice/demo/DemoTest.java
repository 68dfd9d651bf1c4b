package dev.sluice.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.Main;
import dev.sluice.store.Store;
import dev.sluice.store.Stores;
import dev.sluice.store.UsageLedger;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** A shortened {@code sluice demo --exit} runs to the end, and its summary is what the ledger holds. */
class DemoTest {

  @Test
  void aShortDemoExitsCleanlyAndItsSummaryMatchesTheLedger(@TempDir Path dir) {
    String store = "sqlite:" + dir.resolve("demo.db");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int exit = cli.execute("demo", "--duration", "5s", "--exit", "--port", "0", "--store", store);

    assertThat(exit).as(err.toString()).isZero();
    String summary = out.toString();
    assertThat(err.toString()).contains("requests").contains("100%");
    assertThat(summary).contains("Dashboard   http://127.0.0.1:").contains("/ui/");

    try (Store ledgerStore = Stores.open(store)) {
      UsageLedger ledger = ledgerStore.ledger();
      UsageLedger.Row total = ledger.aggregate(query(List.of())).getFirst();
      assertThat(total.requests()).isGreaterThan(10);
      assertThat(row(summary, "total")).containsExactly(
          String.format(Locale.ROOT, "%,d", total.requests()), String.format(Locale.ROOT, "%,d", tokens(total)),
          usd(total.costNanos()), usd(total.chargeNanos()), usd(total.avoidedNanos()),
          usd(total.costNanos() + total.avoidedNanos()));

      Map<String, UsageLedger.Row> byTenant = ledger.aggregate(query(List.of("tenant"))).stream()
          .collect(Collectors.toMap(r -> r.groups().get("tenant"), r -> r));
      assertThat(byTenant.keySet()).containsExactlyInAnyOrder("support-app", "research-agents", "batch-jobs");
      for (var e : byTenant.entrySet()) {
        UsageLedger.Row r = e.getValue();
        assertThat(r.requests()).as(e.getKey() + " sent traffic").isPositive();
        assertThat(row(summary, e.getKey())).as(e.getKey()).containsExactly(
            String.format(Locale.ROOT, "%,d", r.requests()), String.format(Locale.ROOT, "%,d", tokens(r)),
            usd(r.costNanos()), usd(r.chargeNanos()), usd(r.avoidedNanos()), usd(r.costNanos() + r.avoidedNanos()));
      }

      Map<String, Long> byError = ledger.aggregate(query(List.of("error_code"))).stream()
          .filter(r -> r.groups().get("error_code") != null)
          .collect(Collectors.toMap(r -> r.groups().get("error_code"), UsageLedger.Row::requests));
      assertThat(summary).contains("Budget events          " + byError.getOrDefault("budget_exceeded", 0L)
          + " calls refused (budget_exceeded)");
      assertThat(summary).contains("Loops stopped          " + byError.getOrDefault("run_loop_detected", 0L)
          + " calls (run_loop_detected); " + byError.getOrDefault("run_limit_exceeded", 0L) + " over run limits");
      for (UsageLedger.Row r : ledger.aggregate(query(List.of("mechanism")))) {
        String mechanism = r.groups().get("mechanism");
        if (mechanism != null && r.avoidedNanos() > 0) assertThat(summary).contains(mechanism + " " + usd(r.avoidedNanos()));
      }
      assertThat(total.avoidedNanos()).as("repeated help-desk questions are answered from the cache").isPositive();
      assertThat(summary).contains("Spend with Sluice      " + usd(total.costNanos()));
      assertThat(summary).contains("Spend without Sluice   " + usd(total.costNanos() + total.avoidedNanos()));
    }
  }

  private static UsageLedger.Query query(List<String> groupBy) {
    return new UsageLedger.Query(Instant.EPOCH, Instant.now().plusSeconds(60), groupBy, null, null, ZoneOffset.UTC);
  }

  private static long tokens(UsageLedger.Row r) {
    return r.inputTokens() + r.cachedInputTokens() + r.cacheWriteTokens() + r.outputTokens();
  }

  private static String usd(long nanos) {
    return DemoSummary.usd(BigDecimal.valueOf(nanos, 9));
  }

  /** The numbers of the summary line whose label (workload or tenant) is {@code label}. */
  private static List<String> row(String summary, String label) {
    for (String line : summary.split("\n")) {
      List<String> cells = List.of(line.trim().split("\\s{2,}|\\s(?=[$0-9])"));
      if (cells.contains(label)) {
        return cells.subList(cells.size() - 6, cells.size());
      }
    }
    throw new AssertionError("no line for " + label + " in:\n" + summary);
  }
}
