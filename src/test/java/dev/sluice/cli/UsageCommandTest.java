package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code sluice usage} and {@code sluice invoice}, run in-process against a gateway with some traffic. */
class UsageCommandTest {
  static final String ADMIN = "sk-admin-usage-command-test";
  static FakeUpstream upstream;
  static TestGateway sluice;

  /** What a command printed and returned. */
  record Run(int exit, String out, String err) {}

  @BeforeAll
  static void start() {
    upstream = FakeUpstream.start();
    // The fake answers 12 tokens in, 5 out (3 out when streamed); at $1 and $2 per Mtok a call costs $0.000022.
    sluice = TestGateway.start("""
        admin_key: %s
        tenants:
          - name: acme
            plan: {type: markup, percent: 50}
            keys:
              - {name: ci, key: "${ACME_KEY}"}
        models:
          - name: m
            price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
            deployments:
              - {provider: openai, base_url: "${UPSTREAM}", model: ok}
        """.formatted(ADMIN), java.util.Map.of("UPSTREAM", upstream.baseUrl(), "ACME_KEY", "sk-acme-usage-command-0001"));
    for (int i = 0; i < 3; i++) {
      call("sk-acme-usage-command-0001", "search");
    }
    call("sk-acme-usage-command-0001", "chat");
    call(ADMIN, null);
  }

  private static void call(String key, String feature) {
    List<String> headers = new ArrayList<>(List.of("authorization", "Bearer " + key));
    if (feature != null) headers.addAll(List.of("x-sluice-feature", feature));
    assertThat(sluice.chat("m", "hello", headers.toArray(String[]::new)).status()).isEqualTo(200);
  }

  @AfterAll
  static void stop() {
    sluice.close();
    upstream.close();
  }

  private static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static Run admin(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", "http://127.0.0.1:" + sluice.port(), "--admin-key", ADMIN));
    return run(all.toArray(String[]::new));
  }

  @Test
  void usageByTenantAndFeaturePrintsATableWithTotals() {
    Run r = admin("usage", "--by", "tenant,feature", "--since", "7d");

    assertThat(r.exit()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.getFirst()).startsWith("usage since ");
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("TENANT").contains("FEATURE", "REQUESTS", "INPUT", "CACHED",
        "OUTPUT", "COST $", "CHARGE $", "AVOIDED $"));
    // acme pays 50 % over cost: 3 × 22 µ$ = 66 µ$ cost, 99 µ$ charged.
    assertThat(lines).anySatisfy(l -> assertThat(l.split("\\s+")).containsExactly(
        "acme", "search", "3", "36", "0", "15", "0.000066", "0.000099", "0.000000"));
    assertThat(lines).anySatisfy(l -> assertThat(l.split("\\s+")).containsExactly(
        "acme", "chat", "1", "12", "0", "5", "0.000022", "0.000033", "0.000000"));
    assertThat(lines).anySatisfy(l -> assertThat(l.split("\\s+")).containsExactly(
        "default", "-", "1", "12", "0", "5", "0.000022", "0.000022", "0.000000"));
    assertThat(lines.getLast().split("\\s+")).containsExactly("total", "5", "60", "0", "25", "0.000110", "0.000154", "0.000000");
  }

  @Test
  void usageFiltersByTenantAndBucketsByDay() {
    Run r = admin("usage", "--tenant", "acme", "--granularity", "day", "--since", "24h", "--until",
        java.time.Instant.now().plusSeconds(60).toString());

    assertThat(r.exit()).as(r.err()).isZero();
    String today = java.time.LocalDate.now(ZoneOffset.UTC).toString();
    assertThat(r.out()).contains("TIME").contains(today + "T00:00:00Z").contains(", tenant acme");
    assertThat(r.out().lines().toList().getLast().split("\\s+")).startsWith("total", "4", "48");
  }

  @Test
  void usageWithoutGroupsIsOneLineOfTotals() {
    Run r = admin("usage");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("usage of the last 30 days");
    assertThat(r.out().lines().toList().getLast().split("\\s+")).startsWith("total", "5", "60", "0", "25");
  }

  @Test
  void usageAsCsvIsTheAdminApisCsv() {
    Run r = admin("usage", "--by", "feature", "--csv");

    assertThat(r.exit()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.getFirst()).isEqualTo("feature,requests,input_tokens,cached_input_tokens,cache_write_tokens,output_tokens,"
        + "cost_usd,charge_usd,avoided_usd,unpriced_requests");
    assertThat(lines).contains("search,3,36,0,0,15,0.000066,0.000099,0,0");
  }

  @Test
  void anInvoiceListsItsLinesAndTotal() {
    String month = YearMonth.now(ZoneOffset.UTC).toString();

    Run r = admin("invoice", "--tenant", "acme", "--period", month);

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("invoice for acme, " + month + " (" + month + "-01T00:00:00Z to ").contains(", UTC)");
    List<String> lines = r.out().lines().toList();
    // 4 requests × 17 tokens, charged 4 × 33 µ$ = 132 µ$: 1.941176 $ per million tokens.
    assertThat(lines).anySatisfy(l -> assertThat(l.split("\\s+")).containsExactly(
        "usage", "of", "m", "4", "68", "1.941176", "0.000132"));
    assertThat(lines).anySatisfy(l -> assertThat(l.split("\\s+")).containsExactly("total", "4", "0.000132"));
    assertThat(lines.getLast()).isEqualTo("upstream cost $0.000088, margin $0.000044");
  }

  @Test
  void badTimesAndMonthsAreRefusedWithTheFormsAccepted() {
    Run since = admin("usage", "--since", "last week");
    assertThat(since.exit()).isEqualTo(2);
    assertThat(since.err()).contains("--since must be a span back from now (30m, 24h, 7d, 2w) or a time", "'last week'");

    Run period = admin("invoice", "--tenant", "acme", "--period", "2026-13");
    assertThat(period.exit()).isEqualTo(2);
    assertThat(period.err()).contains("--period must be a month such as 2026-11");
  }

  @Test
  void errorsOfTheGatewayComeBackAsOneLine() {
    Run unknownGroup = admin("usage", "--by", "colour");
    assertThat(unknownGroup.exit()).isEqualTo(1);
    assertThat(unknownGroup.err().strip()).startsWith("sluice: HTTP 400: ").contains("colour").doesNotContain("\n");

    Run wrongKey = run("usage", "--url", "http://127.0.0.1:" + sluice.port(), "--admin-key", "sk-not-the-admin-key");
    assertThat(wrongKey.exit()).isEqualTo(1);
    assertThat(wrongKey.err()).contains("HTTP 401: Incorrect admin key provided.");

    Run noTenant = admin("invoice", "--tenant", "nobody", "--period", "2026-11");
    assertThat(noTenant.err()).contains("HTTP 404: No tenant named 'nobody'.");
  }

  @Test
  void anUnreachableGatewayIsNamedWithAHint() throws Exception {
    int closedPort;
    try (var socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }

    Run r = run("usage", "--url", "http://127.0.0.1:" + closedPort, "--admin-key", ADMIN);

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err().strip()).isEqualTo("sluice: cannot reach the gateway at http://127.0.0.1:" + closedPort
        + " (is `sluice serve` running? set --url or SLUICE_URL)");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void aMissingAdminKeyIsNamedWithWhereToSetIt() {
    assumeTrue(System.getenv("SLUICE_ADMIN_KEY") == null, "SLUICE_ADMIN_KEY is set in this environment");

    Run usage = run("usage", "--url", "http://127.0.0.1:" + sluice.port());
    Run invoice = run("invoice", "--tenant", "acme", "--period", "2026-11", "--url", "http://127.0.0.1:" + sluice.port());

    assertThat(usage.exit()).isEqualTo(1);
    assertThat(usage.err().strip()).isEqualTo("sluice: no admin key: pass --admin-key or set SLUICE_ADMIN_KEY");
    assertThat(invoice.err().strip()).isEqualTo("sluice: no admin key: pass --admin-key or set SLUICE_ADMIN_KEY");
  }
}
