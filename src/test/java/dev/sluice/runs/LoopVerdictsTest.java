package dev.sluice.runs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a run that repeats itself gets, by the configured verdict: a warning, a delay, or a refusal. */
class LoopVerdictsTest {
  static final String ADMIN = "sk-admin-loop-verdicts-test";
  static FakeUpstream upstream;
  TestGateway sluice;

  @TempDir
  Path dir;

  @BeforeAll
  static void startUpstream() {
    upstream = FakeUpstream.start();
  }

  @AfterAll
  static void stopUpstream() {
    upstream.close();
  }

  @AfterEach
  void stop() {
    if (sluice != null) sluice.close();
  }

  private void start(String verdict) {
    sluice = TestGateway.start("""
        runs:
          loops: {verdict: %s, repeat_threshold: 3}
        admin_key: %s
        store: sqlite:%s
        models:
          - name: m
            deployments:
              - {provider: openai, base_url: "${UPSTREAM}", model: ok}
        """.formatted(verdict, ADMIN, dir.resolve("sluice.db")), Map.of("UPSTREAM", upstream.baseUrl()));
  }

  private TestGateway.Response ask(String run, String message) {
    return sluice.chat("m", message, "authorization", "Bearer " + ADMIN, "X-Sluice-Run", run);
  }

  @Test
  void underStopTheThirdIdenticalRequestIsRefusedNamingThePattern() {
    start("stop");
    assertThat(ask("stuck", "list the files").status()).isEqualTo(200);
    assertThat(ask("stuck", "list the files").status()).isEqualTo(200);

    TestGateway.Response third = ask("stuck", "list the files");

    assertThat(third.status()).isEqualTo(429);
    assertThat(third.error().get("code").asText()).isEqualTo("run_loop_detected");
    assertThat(third.error().get("param").asText()).isEqualTo("exact_repeat");
    assertThat(third.error().get("message").asText()).contains("exact_repeat").contains("3 times");
    assertThat(third.header("x-should-retry")).isEqualTo("false");
    assertThat(ask("stuck", "something new").status()).as("progress is still served").isEqualTo(200);
    JsonNode report = sluice.get("/admin/runs/stuck", "authorization", "Bearer " + ADMIN).json();
    assertThat(report.get("status").asText()).isEqualTo("active");
    assertThat(report.at("/calls/2/verdicts/0/verdict").asText()).isEqualTo("stop");
    assertThat(report.at("/calls/2/mechanism").asText()).isEqualTo("run_guard");
  }

  @Test
  void underWarnTheLoopingCallIsServedWithAWarningHeader() {
    start("warn");
    ask("chatty", "again");
    assertThat(ask("chatty", "again").header("X-Sluice-Run-Warning")).isNull();

    TestGateway.Response third = ask("chatty", "again");

    assertThat(third.status()).isEqualTo(200);
    assertThat(third.header("X-Sluice-Run-Warning")).startsWith("exact_repeat; ");
    assertThat(sluice.get("/metrics", "authorization", "Bearer " + ADMIN).body())
        .contains("sluice_run_verdicts_total{reason=\"exact_repeat\",tenant=\"default\",verdict=\"warn\"} 1.0");
  }

  @Test
  void underSlowTheLoopingCallsAreDelayedMoreAndMore() {
    start("slow");
    ask("slowpoke", "poll");
    ask("slowpoke", "poll");

    long t0 = System.nanoTime();
    TestGateway.Response third = ask("slowpoke", "poll");
    long firstDelayMs = (System.nanoTime() - t0) / 1_000_000;
    long t1 = System.nanoTime();
    TestGateway.Response fourth = ask("slowpoke", "poll");
    long secondDelayMs = (System.nanoTime() - t1) / 1_000_000;

    assertThat(third.status()).isEqualTo(200);
    assertThat(third.header("X-Sluice-Run-Warning")).startsWith("exact_repeat");
    assertThat(firstDelayMs).isGreaterThanOrEqualTo(RunGuardStage.FIRST_DELAY_MS);
    assertThat(fourth.status()).isEqualTo(200);
    assertThat(secondDelayMs).isGreaterThanOrEqualTo(2 * RunGuardStage.FIRST_DELAY_MS);
  }
}
