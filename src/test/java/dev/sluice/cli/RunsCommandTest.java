package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code sluice runs show|top|stop}, run in-process against a gateway with two agent runs. */
class RunsCommandTest {
  static final String ADMIN = "sk-admin-runs-command-test";
  static FakeUpstream upstream;
  static TestGateway sluice;

  /** What a command printed and returned. */
  record Run(int exit, String out, String err) {}

  @BeforeAll
  static void start() {
    upstream = FakeUpstream.start();
    // 12 tokens in, 5 out at $1 and $2 per Mtok: $0.000022 a call.
    sluice = TestGateway.start("""
        admin_key: %s
        runs: {max_calls: 3}
        models:
          - name: m
            price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
            deployments:
              - {provider: openai, base_url: "${UPSTREAM}", model: ok}
        """.formatted(ADMIN), java.util.Map.of("UPSTREAM", upstream.baseUrl()));
    for (int i = 0; i < 4; i++) sluice.chat("m", "step " + i, "authorization", "Bearer " + ADMIN, "X-Sluice-Run", "big");
    sluice.chat("m", "once", "authorization", "Bearer " + ADMIN, "X-Sluice-Run", "small");
  }

  @AfterAll
  static void stop() {
    sluice.close();
    upstream.close();
  }

  private static Run admin(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--url", "http://127.0.0.1:" + sluice.port(), "--admin-key", ADMIN));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void showPrintsEachCallWithItsVerdictsAndTheTotals() {
    Run r = admin("runs", "show", "big");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("run big of tenant default: limit_exceeded")
        .contains("429 run_limit_exceeded").contains("stop:max_calls")
        .contains("4 calls").contains("0.000066").contains("1 refused");
  }

  @Test
  void topListsTheCostliestRunsFirst() {
    Run r = admin("runs", "top", "--since", "1d");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("costliest runs since");
    assertThat(r.out().indexOf("big")).isLessThan(r.out().indexOf("small")).isPositive();
  }

  @Test
  void stopRefusesTheRunsLaterCallsAndAnUnknownRunIsAClearError() {
    Run stopped = admin("runs", "stop", "small");
    assertThat(stopped.exit()).as(stopped.err()).isZero();
    assertThat(stopped.out()).startsWith("stopped run small of tenant default at ");
    assertThat(sluice.chat("m", "again", "authorization", "Bearer " + ADMIN, "X-Sluice-Run", "small").status()).isEqualTo(409);

    Run unknown = admin("runs", "show", "nope");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("No run 'nope'");
  }
}
