package dev.sluice.route;

import static dev.sluice.testing.TestGateway.parse;
import static dev.sluice.testing.TestGateway.streamedContent;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.Json;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retries, fallbacks, circuit breaking and timeouts, seen from a client against a scripted upstream. */
class ResilienceTest {
  static FakeUpstream upstream;
  TestGateway sluice;

  @BeforeAll
  static void startUpstream() {
    upstream = FakeUpstream.start();
  }

  @AfterAll
  static void stopUpstream() {
    upstream.close();
  }

  @BeforeEach
  void clear() {
    upstream.reset();
  }

  @AfterEach
  void stop() {
    if (sluice != null) sluice.close();
  }

  private TestGateway start(String yaml) {
    sluice = TestGateway.start(yaml, upstream);
    return sluice;
  }

  /** One model with deployments A then B (B a standby, tried only after A), given upstream behaviours. */
  private static String twoDeployments(String a, String b, String extra) {
    return """
        retry: {max_retries: 2, initial_backoff: 10ms, max_backoff: 200ms}
        %s
        models:
          - name: m
            deployments:
              - id: a
                provider: openai
                base_url: ${UPSTREAM}
                model: %s
              - id: b
                provider: openai
                base_url: ${UPSTREAM}
                model: %s
                weight: 0
        """.formatted(extra, a, b);
  }

  @Test
  void everyRetrySendsTheClientsWholeRequest() {
    start("""
        retry: {max_retries: 2, initial_backoff: 10ms, max_backoff: 200ms}
        models:
          - name: flaky-2-500
            deployments:
              - provider: openai
                base_url: ${UPSTREAM}
        """);
    String body = "{\"model\": \"flaky-2-500\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
        + " \"x_vendor_hint\": {\"keep\": [1, 2.5, null]}}";

    TestGateway.Response r = sluice.post("/v1/chat/completions", body, "content-type", "application/json");

    assertThat(r.status()).isEqualTo(200);
    assertThat(upstream.requests()).hasSize(3)
        .allSatisfy(sent -> assertThat(sent.body()).isEqualTo(TestGateway.parse(body)));
  }

  @Test
  void retriesATransientFailureOnTheSameDeploymentThenSucceeds() {
    start(twoDeployments("flaky-2-500", "ok", ""));

    TestGateway.Response r = sluice.chat("m", "hi");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-sluice-route")).isEqualTo("m/a");
    assertThat(upstream.count("flaky-2-500")).isEqualTo(3);
    assertThat(upstream.count("ok")).isZero();
  }

  @Test
  void fallsBackToTheNextDeploymentWhenTheRetryBudgetIsSpent() {
    start(twoDeployments("error-503", "ok", ""));

    TestGateway.Response r = sluice.chat("m", "hi");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-sluice-route")).isEqualTo("m/b");
    assertThat(upstream.count("error-503")).isEqualTo(3); // first try + max_retries 2
    assertThat(upstream.count("ok")).isEqualTo(1);
  }

  @Test
  void retryAfterLongerThanMaxBackoffMovesOnAtOnce() {
    start(twoDeployments("error-429-retry-30", "ok", ""));

    long t0 = System.nanoTime();
    TestGateway.Response r = sluice.chat("m", "hi");

    assertThat(r.header("x-sluice-route")).isEqualTo("m/b");
    assertThat(upstream.count("error-429-retry-30")).isEqualTo(1);
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2_000);

    // the deployment asked for 30 s of quiet: the next request does not go there at all
    sluice.chat("m", "again");
    assertThat(upstream.count("error-429-retry-30")).isEqualTo(1);
  }

  @Test
  void retryAfterIsHonouredBeforeRetryingTheSameDeployment() {
    start("""
        retry: {max_retries: 1, initial_backoff: 10ms, max_backoff: 5s}
        models:
          - name: m
            deployments:
              - provider: openai
                base_url: ${UPSTREAM}
                model: error-429-retry-1
        """);

    long t0 = System.nanoTime();
    TestGateway.Response r = sluice.chat("m", "hi");
    long ms = (System.nanoTime() - t0) / 1_000_000;

    assertThat(upstream.count("error-429-retry-1")).isEqualTo(2);
    assertThat(ms).isGreaterThanOrEqualTo(1_000);
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.header("retry-after")).isEqualTo("1");
    assertThat(r.error().get("message").asText()).contains("rate-limited").contains("HTTP 429");
  }

  @Test
  void fallsBackToTheFallbackModelWhenEveryDeploymentFails() {
    start("""
        retry: {max_retries: 0}
        models:
          - name: chat-small
            deployments:
              - provider: openai
                base_url: ${UPSTREAM}
                model: error-500
            fallbacks: [chat-large]
          - name: chat-large
            deployments:
              - id: big
                provider: openai
                base_url: ${UPSTREAM}
                model: ok
        """);

    TestGateway.Response r = sluice.chat("chat-small", "hi");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-sluice-route")).isEqualTo("chat-large/big");
    assertThat(upstream.requests()).extracting(rec -> rec.body().get("model").asText()).containsExactly("error-500", "ok");
  }

  @Test
  void theUpstreamsOwnRefusalIsRelayedNotRetried() {
    start(twoDeployments("error-400", "ok", ""));

    TestGateway.Response r = sluice.chat("m", "hi");

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().get("message").asText()).isEqualTo("fake upstream error 400");
    assertThat(upstream.count("error-400")).isEqualTo(1);
    assertThat(upstream.count("ok")).isZero();
  }

  @Test
  void exhaustedUpstreamsGive502SummarisingTheLastError() {
    start(twoDeployments("error-500", "malformed", "")); 

    TestGateway.Response r = sluice.chat("m", "hi");

    assertThat(r.status()).isEqualTo(502);
    assertThat(r.error().get("code").asText()).isEqualTo("upstream_error");
    String message = r.error().get("message").asText();
    assertThat(message).contains("m/a: HTTP 500: fake upstream error 500").contains("m/b: malformed answer");
  }

  @Test
  void circuitOpensAfterConsecutiveFailuresAndAProbeClosesIt() throws Exception {
    start(twoDeployments("flaky-2-500", "ok",
        "circuit_breaker: {consecutive_failures: 2, cooldown: 300ms}").replace("max_retries: 2", "max_retries: 0"));

    assertThat(sluice.chat("m", "1").header("x-sluice-route")).isEqualTo("m/b");
    assertThat(sluice.chat("m", "2").header("x-sluice-route")).isEqualTo("m/b");
    assertThat(sluice.chat("m", "3").header("x-sluice-route")).isEqualTo("m/b");
    assertThat(upstream.count("flaky-2-500")).as("open circuit: a is skipped").isEqualTo(2);
    JsonNode states = sluice.get("/admin/deployments").json();
    // admin endpoints are off without an admin key; the state is visible in the route header instead
    assertThat(states.has("error")).isTrue();

    Thread.sleep(350);
    assertThat(sluice.chat("m", "4").header("x-sluice-route")).as("half-open probe succeeds").isEqualTo("m/a");
    assertThat(sluice.chat("m", "5").header("x-sluice-route")).isEqualTo("m/a");
  }

  @Test
  void allCircuitsOpenGives503WithRetryAfter() {
    start("""
        retry: {max_retries: 0}
        circuit_breaker: {consecutive_failures: 1, cooldown: 20s}
        models:
          - name: m
            deployments:
              - provider: openai
                base_url: ${UPSTREAM}
                model: error-500
        """);

    assertThat(sluice.chat("m", "1").status()).isEqualTo(502);
    TestGateway.Response r = sluice.chat("m", "2");

    assertThat(r.status()).isEqualTo(503);
    assertThat(Integer.parseInt(r.header("retry-after"))).isBetween(15, 20);
    assertThat(r.error().get("message").asText()).contains("circuit open");
    assertThat(upstream.count("error-500")).isEqualTo(1);
    assertThat(sluice.get("/readyz").status()).isEqualTo(503);
  }

  @Test
  void anUpstreamThatNeverAnswersTimesOutWith504() {
    start("""
        retry: {max_retries: 0}
        timeouts: {first_byte: 300ms}
        models:
          - name: m
            deployments:
              - provider: openai
                base_url: ${UPSTREAM}
                model: hang
        """);

    long t0 = System.nanoTime();
    TestGateway.Response r = sluice.chat("m", "hi");

    assertThat(r.status()).isEqualTo(504);
    assertThat(r.error().get("code").asText()).isEqualTo("upstream_timeout");
    assertThat(r.error().get("message").asText()).contains("first byte timeout");
    assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(250L, 3_000L);
  }

  @Test
  void theTotalTimeoutBoundsRetriesToo() {
    start("""
        retry: {max_retries: 5, initial_backoff: 10ms}
        timeouts: {first_byte: 10s, total: 600ms}
        models:
          - name: m
            deployments:
              - provider: openai
                base_url: ${UPSTREAM}
                model: slow-400
        """);

    long t0 = System.nanoTime();
    TestGateway.Response r = sluice.chat("m", "hi");

    // the first attempt answers after 400 ms; had it failed, a retry would have been cut at 600 ms
    assertThat(r.status()).isEqualTo(200);
    sluice.close();
    start("""
        retry: {max_retries: 5, initial_backoff: 10ms}
        timeouts: {first_byte: 10s, total: 300ms}
        models:
          - name: m
            deployments:
              - provider: openai
                base_url: ${UPSTREAM}
                model: slow-1000
        """);
    t0 = System.nanoTime();
    r = sluice.chat("m", "hi");
    assertThat(r.status()).isEqualTo(504);
    assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(250L, 2_000L);
  }

  @Test
  void aConnectionThatCannotBeMadeInTimeIsAConnectTimeout() throws Exception {
    // A listening socket whose accept queue is full: the kernel drops further SYNs, so connect hangs.
    try (ServerSocket full = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      List<Socket> fillers = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          Socket s = new Socket();
          try {
            s.connect(full.getLocalSocketAddress(), 200);
            fillers.add(s);
          } catch (java.io.IOException e) {
            s.close();
            break;
          }
        }
        sluice = TestGateway.start("""
            retry: {max_retries: 0}
            timeouts: {connect: 300ms}
            models:
              - name: m
                deployments:
                  - provider: openai
                    base_url: http://127.0.0.1:%d/v1
                    model: ok
            """.formatted(full.getLocalPort()), Map.of());

        long t0 = System.nanoTime();
        TestGateway.Response r = sluice.chat("m", "hi");

        assertThat(r.status()).isIn(502, 504);
        assertThat(r.error().get("message").asText()).containsAnyOf("connect timeout", "connection failed");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3_000);
      } finally {
        for (Socket s : fillers) s.close();
      }
    }
  }

  @Test
  void aStreamThatFailsBeforeItsFirstByteIsRetriedTransparently() {
    start(twoDeployments("error-500", "ok", "").replace("max_retries: 2", "max_retries: 0"));

    TestGateway.Response r = sluice.post("/v1/chat/completions", TestGateway.chatBody("m", "stream", true));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-sluice-route")).isEqualTo("m/b");
    assertThat(r.events().getLast()).isEqualTo("[DONE]");
  }

  @Test
  void aStreamThatBreaksAfterItStartedEndsWithAnErrorEventAndIsNotRetried() {
    start(twoDeployments("reset-mid-stream", "ok", ""));

    TestGateway.Response r = sluice.post("/v1/chat/completions", TestGateway.chatBody("m", "stream", true));

    assertThat(r.status()).isEqualTo(200);
    List<String> events = r.events();
    assertThat(events).hasSizeGreaterThanOrEqualTo(2);
    assertThat(events).doesNotContain("[DONE]");
    JsonNode last = parse(events.getLast());
    assertThat(last.at("/error/code").asText()).isEqualTo("stream_interrupted");
    assertThat(last.at("/error/message").asText()).isNotBlank();
    assertThat(upstream.count("reset-mid-stream")).isEqualTo(1);
    assertThat(upstream.count("ok")).isZero();
  }

  @Test
  void aStreamThatStallsEndsWithAnErrorEventAfterTheIdleTimeout() {
    start(twoDeployments("stall-mid-stream", "ok", "timeouts: {idle: 300ms}"));

    long t0 = System.nanoTime();
    TestGateway.Response r = sluice.post("/v1/chat/completions", TestGateway.chatBody("m", "stream", true));

    List<String> events = r.events();
    assertThat(parse(events.getLast()).at("/error/message").asText()).contains("idle timeout");
    assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(250L, 3_000L);
  }

  @Test
  void slowStreamsArePassedOnChunkByChunk() {
    start(twoDeployments("slow-stream-150", "ok", "timeouts: {idle: 1s}"));

    TestGateway.Response r = sluice.post("/v1/chat/completions", TestGateway.chatBody("m", "slow", true));

    assertThat(r.events().getLast()).isEqualTo("[DONE]");
    assertThat(streamedContent(r.events())).isEqualTo("echo: slow");
  }

  @Test
  void eachChunkReachesTheClientWhenItArrivesNotWhenTheStreamEnds() throws Exception {
    start(twoDeployments("slow-stream-200", "ok", "timeouts: {idle: 2s}"));
    var client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(sluice.baseUrl() + "/chat/completions"))
        .header("content-type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(TestGateway.chatBody("m", "drip", true))).build();

    long t0 = System.nanoTime();
    var response = client.send(request, java.net.http.HttpResponse.BodyHandlers.ofLines());
    List<Long> arrivals = new ArrayList<>();
    response.body().filter(line -> line.startsWith("data:")).forEach(line -> arrivals.add((System.nanoTime() - t0) / 1_000_000));

    // 5 events (role, 3 contents, finish) 200 ms apart, then [DONE]
    assertThat(arrivals).hasSize(6);
    assertThat(arrivals.get(1) - arrivals.get(0)).isGreaterThan(120);
    assertThat(arrivals.getLast() - arrivals.getFirst()).isGreaterThan(600);
  }

  @Test
  void aMalformedStreamEventBeforeAnyChunkIsRetriedElsewhere() {
    start(twoDeployments("malformed", "ok", "").replace("max_retries: 2", "max_retries: 0"));

    TestGateway.Response r = sluice.post("/v1/chat/completions", TestGateway.chatBody("m", "stream", true));

    assertThat(r.header("x-sluice-route")).isEqualTo("m/b");
    assertThat(r.events().getLast()).isEqualTo("[DONE]");
  }

  @Test
  void requestsInFlightSurviveAConfigReload() throws Exception {
    start(twoDeployments("slow-500", "ok", ""));
    var pending = java.util.concurrent.CompletableFuture.supplyAsync(() -> sluice.chat("m", "slow one"));
    Thread.sleep(100);

    sluice.gateway().reload(TestGateway.config(
        twoDeployments("ok", "ok", "").replace("name: m", "name: m2"), Map.of("UPSTREAM", upstream.baseUrl())));

    TestGateway.Response r = pending.get();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-sluice-route")).isEqualTo("m/a");
    assertThat(sluice.chat("m", "after").status()).isEqualTo(404);
    assertThat(sluice.chat("m2", "after").status()).isEqualTo(200);
  }

  @Test
  void aDeploymentThatCannotServeTheRequestIsPassedOverForOneThatCan() {
    try (var anthropic = dev.sluice.testing.FakeAnthropic.start()) {
      sluice = TestGateway.start("""
          models:
            - name: m
              deployments:
                - {id: claude, provider: anthropic, base_url: "${ANTHROPIC}", model: ok}
                - {id: gpt, provider: openai, base_url: "${UPSTREAM}", model: ok, weight: 0}
            - name: claude-only
              deployments:
                - {id: claude, provider: anthropic, base_url: "${ANTHROPIC}", model: ok}
          """, Map.of("ANTHROPIC", anthropic.baseUrl(), "UPSTREAM", upstream.baseUrl()));
      String twoChoices = "{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

      TestGateway.Response served = sluice.post("/v1/chat/completions", twoChoices);
      assertThat(served.status()).isEqualTo(200);
      assertThat(served.header("x-sluice-route")).isEqualTo("m/gpt");

      TestGateway.Response refused = sluice.post("/v1/chat/completions", twoChoices.replace("\"m\"", "\"claude-only\""));
      assertThat(refused.status()).isEqualTo(400);
      assertThat(refused.error().get("param").asText()).isEqualTo("n");
      assertThat(anthropic.requests()).isEmpty();
    }
  }
}
