package dev.sluice.runs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a run that repeats itself gets, by the configured verdict: a warning, a delay, or a refusal;
 * and how {@code runs.loops.similarity} tells near-duplicate turns apart: with {@code minilm} by
 * meaning, so an agent that keeps rewording the same step is stopped even when the wording shares
 * few letters, and one that moves on is not.
 */
class LoopVerdictsTest {
  static final String ADMIN = "sk-admin-loop-verdicts-test";
  static FakeUpstream upstream;
  TestGateway sluice;

  @TempDir
  Path dir;

  /**
   * Rewordings of one step: MiniLM similarity 0.90 to 0.97 one to the next from the second on (and
   * as the echoed answers), character trigrams 0.49 to 0.73.
   */
  static final List<String> STUCK = List.of(
      "The build failed; retry the build.",
      "The build is still failing; retrying it once more.",
      "The build failed again; retrying the build once more.",
      "Build still failing, retrying the build again.",
      "The build fails again, so I retry the build.",
      "Retrying the build, it failed again.");

  static final List<String> PROGRESSING = List.of(
      "Summarise the quarterly sales report.",
      "Write a haiku about autumn leaves.",
      "List three prime numbers above 100.",
      "Translate good morning into Portuguese.",
      "Name the capital of Australia.",
      "Convert 30 Celsius to Fahrenheit.");

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
    start(verdict, "lexical");
  }

  private void start(String verdict, String similarity) {
    sluice = TestGateway.start("""
        runs:
          loops: {verdict: %s, repeat_threshold: 3, similarity: %s}
        admin_key: %s
        store: sqlite:%s
        models:
          - name: m
            deployments:
              - {provider: openai, base_url: "${UPSTREAM}", model: ok}
        """.formatted(verdict, similarity, ADMIN, dir.resolve("sluice.db")), Map.of("UPSTREAM", upstream.baseUrl()));
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

  /**
   * Plays a chat agent: each turn sends the conversation so far plus the next message, and appends
   * the answer (the fake upstream echoes the last user message). Returns the statuses, stopping at
   * the first refusal.
   */
  private List<TestGateway.Response> play(String run, List<String> userMessages) {
    ObjectNode body = Json.MAPPER.createObjectNode().put("model", "m").put("max_tokens", 20);
    ArrayNode messages = body.putArray("messages");
    List<TestGateway.Response> out = new ArrayList<>();
    for (String said : userMessages) {
      messages.addObject().put("role", "user").put("content", said);
      TestGateway.Response r = sluice.post("/v1/chat/completions", body.toString(), "authorization", "Bearer " + ADMIN,
          "X-Sluice-Run", run);
      out.add(r);
      if (r.status() != 200) break;
      messages.addObject().put("role", "assistant").put("content", r.json().at("/choices/0/message/content").asText());
    }
    return out;
  }

  @Test
  void withMiniLmAnAgentRewordingTheSameStepIsStoppedAndOneThatMovesOnIsNot() {
    start("stop", "minilm");
    sluice.gateway().embedder().embed(List.of("warm up")).await(); // a gateway up for a while has its model loaded

    List<TestGateway.Response> stuck = play("stuck", STUCK);
    TestGateway.Response refused = stuck.getLast();
    assertThat(refused.status()).as(refused.body()).isEqualTo(429);
    assertThat(refused.error().get("code").asText()).isEqualTo("run_loop_detected");
    assertThat(refused.error().get("param").asText()).isEqualTo("no_progress");
    // K = 3 near-duplicate turns, each with its predecessor: the first call starts the conversation,
    // so the fourth is the first whose last three turns are all rewordings
    assertThat(stuck).hasSize(4);

    assertThat(play("progressing", PROGRESSING)).hasSize(PROGRESSING.size())
        .allSatisfy(r -> assertThat(r.status()).as(r.body()).isEqualTo(200));
  }

  @Test
  void byCharacterTrigramsTheSameRewordingsLookLikeProgress() {
    start("stop", "lexical");

    assertThat(play("stuck", STUCK)).hasSize(STUCK.size())
        .allSatisfy(r -> assertThat(r.status()).as(r.body()).isEqualTo(200));
  }
}
