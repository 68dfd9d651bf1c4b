package dev.sluice.runs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Agent runs through HTTP: identity, limits under parallel calls, refusals, the kill switch and reports. */
class AgentRunsTest {
  static final String ADMIN = "sk-admin-agent-runs-test";
  static final String[] AS_ADMIN = {"authorization", "Bearer " + ADMIN};
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

  /**
   * A gateway with model {@code m} ($1/Mtok in, $2/Mtok out: the fake's 12 + 5 tokens cost
   * $0.000022), {@code slow} (the same, answering after 100 ms) and {@code streaming} (3 chunks,
   * 300 ms apart).
   */
  private TestGateway start(String runs) {
    sluice = TestGateway.start(runs + """
        admin_key: %s
        store: sqlite:%s
        models:
          - name: m
            price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
            deployments:
              - {provider: openai, base_url: "${UPSTREAM}", model: ok}
          - name: slow
            price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
            deployments:
              - {provider: openai, base_url: "${UPSTREAM}", model: slow-100}
          - name: streaming
            price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
            deployments:
              - {provider: openai, base_url: "${UPSTREAM}", model: slow-stream-300}
        """.formatted(ADMIN, dir.resolve("sluice.db")), Map.of("UPSTREAM", upstream.baseUrl()));
    return sluice;
  }

  private static String body(String model, String message) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("model", model);
    o.put("max_tokens", 10);
    o.putArray("messages").addObject().put("role", "user").put("content", message);
    return o.toString();
  }

  private TestGateway.Response call(String run, String message, String... headers) {
    List<String> h = new ArrayList<>(List.of(AS_ADMIN));
    if (run != null) h.addAll(List.of("X-Sluice-Run", run));
    h.addAll(List.of(headers));
    return sluice.post("/v1/chat/completions", body("m", message), h.toArray(String[]::new));
  }

  private JsonNode admin(String path) {
    TestGateway.Response r = sluice.get(path, AS_ADMIN);
    assertThat(r.status()).as(path + ": " + r.body()).isEqualTo(200);
    return r.json();
  }

  private List<TestGateway.Response> parallel(int n, java.util.function.IntFunction<TestGateway.Response> call) {
    try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
      List<CompletableFuture<TestGateway.Response>> all = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        all.add(CompletableFuture.supplyAsync(() -> call.apply(k), pool));
      }
      return all.stream().map(CompletableFuture::join).toList();
    }
  }

  @Test
  void fiftyParallelCallsOfARunLimitedToTenCallsServeExactlyTen() {
    start("runs: {max_calls: 10}\n");

    List<TestGateway.Response> replies = parallel(50, i -> sluice.post("/v1/chat/completions",
        body("slow", "step " + i), "authorization", "Bearer " + ADMIN, "X-Sluice-Run", "swarm"));

    assertThat(replies.stream().filter(r -> r.status() == 200)).hasSize(10);
    List<TestGateway.Response> refused = replies.stream().filter(r -> r.status() != 200).toList();
    assertThat(refused).hasSize(40).allSatisfy(r -> {
      assertThat(r.status()).isEqualTo(429);
      assertThat(r.error().get("code").asText()).isEqualTo("run_limit_exceeded");
      assertThat(r.error().get("param").asText()).isEqualTo("max_calls");
      assertThat(r.error().get("message").asText()).contains("swarm").contains("10 calls");
      assertThat(r.header("x-should-retry")).isEqualTo("false");
    });
    JsonNode byMechanism = admin("/admin/usage?group_by=run,mechanism").get("rows");
    JsonNode avoided = find(byMechanism, "mechanism", "run_guard");
    assertThat(avoided.get("requests").asLong()).as("each refusal is in the ledger").isEqualTo(40);
    assertThat(avoided.get("avoided_usd").decimalValue()).as("worth the worst case it would have reserved")
        .isGreaterThan(BigDecimal.ZERO);
  }

  @Test
  void parallelCallsOfARunNeverSpendPastItsCostLimit() {
    // each call's worst case is about $0.00004 (prompt + 10 output tokens); each costs $0.000022
    start("runs: {max_cost_usd: 0.0003, max_calls: 1000}\n");

    List<TestGateway.Response> replies = parallel(40, i -> sluice.post("/v1/chat/completions",
        body("slow", "task " + i), "authorization", "Bearer " + ADMIN, "X-Sluice-Run", "spender"));

    long served = replies.stream().filter(r -> r.status() == 200).count();
    assertThat(served).isGreaterThan(0);
    assertThat(replies.stream().filter(r -> r.status() == 429))
        .allSatisfy(r -> assertThat(r.error().get("param").asText()).isEqualTo("max_cost_usd"))
        .hasSize((int) (40 - served));
    JsonNode report = admin("/admin/runs/spender");
    assertThat(report.at("/totals/cost_usd").decimalValue()).isLessThanOrEqualTo(new BigDecimal("0.0003"));
  }

  @Test
  void aRequestHeaderCanTightenARunsLimitsButNeverLoosenThem() {
    start("runs: {max_calls: 3}\n");

    for (int i = 0; i < 3; i++) assertThat(call("loose", "q" + i, "X-Sluice-Run-Max-Calls", "100").status()).isEqualTo(200);
    assertThat(call("loose", "q3", "X-Sluice-Run-Max-Calls", "100").status()).as("the header cannot raise 3").isEqualTo(429);

    assertThat(call("tight", "q0", "X-Sluice-Run-Max-Calls", "1").status()).isEqualTo(200);
    TestGateway.Response second = call("tight", "q1", "X-Sluice-Run-Max-Calls", "1");
    assertThat(second.status()).isEqualTo(429);
    assertThat(second.error().get("message").asText()).contains("limit of 1 calls");

    TestGateway.Response cheap = call("cheap", "q0", "X-Sluice-Run-Max-Cost-Usd", "0.000001");
    assertThat(cheap.status()).isEqualTo(429);
    assertThat(cheap.error().get("param").asText()).isEqualTo("max_cost_usd");

    TestGateway.Response bad = call("bad", "q0", "X-Sluice-Run-Max-Calls", "lots");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.error().get("param").asText()).isEqualTo("X-Sluice-Run-Max-Calls");
  }

  @Test
  void aCallIsHeldToItsExactWorstCaseWhenItsCheapBoundWouldNotFit() {
    // " a" is one token and two characters. 2,000 of them: exact worst case (2,007 + 25% for a
    // model without a tokenizer of its own) 2,509 prompt + 10 output tokens = $0.002529; the bound
    // without a tokenizer (three tokens per character) is about six times that, past the $0.004
    // limit. The exact figure decides.
    start("runs: {max_cost_usd: 0.004}\n");

    assertThat(call("long-prompts", " a".repeat(2_000)).status()).isEqualTo(200);

    TestGateway.Response refused = call("long-prompts", " a".repeat(4_000));
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.error().get("param").asText()).isEqualTo("max_cost_usd");
    assertThat(refused.error().get("message").asText()).as("the exact worst case, not the bound")
        .contains("could cost up to $0.005029");
  }

  @Test
  void aRunIsNamedByHeaderByMetadataRunIdOrByTheTraceIdOfTraceparent() {
    start("runs: {max_calls: 1}\n");
    String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    String traceparent = "00-" + traceId + "-00f067aa0ba902b7-01";

    assertThat(call(null, "a", "traceparent", traceparent).status()).isEqualTo(200);
    assertThat(call(null, "b", "traceparent", traceparent).status()).as("the same trace is the same run").isEqualTo(429);

    ObjectNode withMetadata = (ObjectNode) Json.MAPPER.valueToTree(TestGateway.parse(body("m", "c")));
    withMetadata.putObject("metadata").put("run_id", "from-metadata");
    assertThat(sluice.post("/v1/chat/completions", withMetadata.toString(), AS_ADMIN).status()).isEqualTo(200);
    withMetadata.putArray("messages").addObject().put("role", "user").put("content", "d");
    assertThat(sluice.post("/v1/chat/completions", withMetadata.toString(), AS_ADMIN).status()).isEqualTo(429);

    assertThat(admin("/admin/runs/" + traceId).at("/totals/calls").asLong()).isEqualTo(2);
    assertThat(admin("/admin/runs/from-metadata").at("/totals/served").asLong()).isEqualTo(1);
  }

  @Test
  void subRunsNestUnderTheirParentAndTheDepthLimitRefusesDeeperOnes() {
    start("runs: {max_depth: 1}\n");

    assertThat(call("root", "a").status()).isEqualTo(200);
    assertThat(call("child", "b", "X-Sluice-Parent-Run", "root").status()).isEqualTo(200);
    TestGateway.Response grandchild = call("grandchild", "c", "X-Sluice-Parent-Run", "child");

    assertThat(grandchild.status()).isEqualTo(429);
    assertThat(grandchild.error().get("param").asText()).isEqualTo("max_depth");
    JsonNode child = admin("/admin/runs/child");
    assertThat(child.get("parent").asText()).isEqualTo("root");
    assertThat(child.get("depth").asInt()).isEqualTo(1);
    assertThat(admin("/admin/runs/grandchild").get("depth").asInt()).isEqualTo(2);
  }

  @Test
  void theSameRunIdInTwoTenantsIsTwoRunsAndATenantSeesOnlyItsOwn() {
    start("runs: {max_calls: 2}\n");
    String acme = tenantKey("acme");
    String globex = tenantKey("globex");

    for (int i = 0; i < 2; i++) {
      assertThat(sluice.post("/v1/chat/completions", body("m", "acme " + i), "authorization", "Bearer " + acme,
          "X-Sluice-Run", "shared-id").status()).isEqualTo(200);
    }
    assertThat(sluice.post("/v1/chat/completions", body("m", "globex"), "authorization", "Bearer " + globex,
        "X-Sluice-Run", "shared-id").status()).as("acme's calls do not count against globex's run").isEqualTo(200);

    TestGateway.Response own = sluice.get("/me/runs/shared-id", "authorization", "Bearer " + globex);
    assertThat(own.status()).isEqualTo(200);
    assertThat(own.json().at("/totals/calls").asLong()).isEqualTo(1);
    assertThat(admin("/admin/runs/shared-id?tenant=acme").at("/totals/calls").asLong()).isEqualTo(2);

    sluice.post("/v1/chat/completions", body("m", "private"), "authorization", "Bearer " + acme, "X-Sluice-Run", "acme-only");
    TestGateway.Response other = sluice.get("/me/runs/acme-only", "authorization", "Bearer " + globex);
    assertThat(other.status()).isEqualTo(404);
    assertThat(other.error().get("code").asText()).isEqualTo("run_not_found");
    assertThat(sluice.get("/admin/runs/acme-only", "authorization", "Bearer " + acme).status())
        .as("a tenant key cannot use the admin endpoint").isEqualTo(403);
  }

  @Test
  void aRunReportListsEveryCallAndItsTotalsEqualTheLedger() {
    start("runs: {max_calls: 4}\n");
    for (int i = 0; i < 5; i++) call("explained", "step " + i);

    JsonNode report = admin("/admin/runs/explained");
    JsonNode ledger = find(admin("/admin/usage?group_by=run").get("rows"), "run", "explained");

    assertThat(report.get("calls")).hasSize(5);
    assertThat(report.at("/calls/0/model").asText()).isEqualTo("m");
    assertThat(report.at("/calls/0/cache_status").asText()).isEqualTo("off");
    assertThat(report.at("/calls/4/error_code").asText()).isEqualTo("run_limit_exceeded");
    assertThat(report.at("/calls/4/verdicts/0/reason").asText()).isEqualTo("max_calls");
    assertThat(report.get("status").asText()).isEqualTo("limit_exceeded");
    assertThat(report.at("/totals/calls").asLong()).isEqualTo(ledger.get("requests").asLong());
    assertThat(report.at("/totals/cost_usd").decimalValue()).isEqualByComparingTo(ledger.get("cost_usd").decimalValue())
        .isEqualByComparingTo("0.000088");
    assertThat(report.at("/totals/avoided_usd").decimalValue()).isEqualByComparingTo(ledger.get("avoided_usd").decimalValue());
    assertThat(report.at("/totals/output_tokens").asLong()).isEqualTo(ledger.get("output_tokens").asLong());
    assertThat(sluice.get("/admin/runs/never-seen", AS_ADMIN).status()).isEqualTo(404);
  }

  @Test
  void stoppingARunEndsItsOpenStreamWithAnErrorEventAndRefusesItsLaterCalls() throws Exception {
    start("");
    ObjectNode streamed = (ObjectNode) TestGateway.parse(TestGateway.chatBody("streaming", "tell me slowly", true));
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sluice.port() + "/v1/chat/completions"))
        .header("authorization", "Bearer " + ADMIN).header("X-Sluice-Run", "runaway")
        .header("content-type", "application/json").timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString(streamed.toString())).build();
    HttpResponse<java.util.stream.Stream<String>> open = HttpClient.newHttpClient()
        .send(request, HttpResponse.BodyHandlers.ofLines());
    java.util.Iterator<String> lines = open.body().iterator();
    StringBuilder events = new StringBuilder();
    while (!events.toString().contains("data: ")) events.append(lines.next()).append('\n'); // the first chunk is out

    TestGateway.Response stopped = sluice.post("/admin/runs/runaway/stop", "", AS_ADMIN);
    assertThat(stopped.status()).as(stopped.body()).isEqualTo(200);
    assertThat(stopped.json().get("status").asText()).isEqualTo("stopped");

    lines.forEachRemaining(l -> events.append(l).append('\n'));
    assertThat(events.toString()).contains("event: error").contains("run_stopped").doesNotContain("[DONE]");
    TestGateway.Response later = call("runaway", "one more?");
    assertThat(later.status()).isEqualTo(409);
    assertThat(later.error().get("code").asText()).isEqualTo("run_stopped");
    assertThat(later.header("x-should-retry")).isEqualTo("false");
    assertThat(admin("/admin/runs/runaway").get("status").asText()).isEqualTo("stopped");
    assertThat(call("other-run", "unaffected").status()).isEqualTo(200);
  }

  @Test
  void aTenantsRunPolicyReplacesTheDefaultsItNames() {
    start("runs: {max_calls: 50}\n");
    String acme = tenantKey("acme");

    TestGateway.Response put = sluice.put("/admin/tenants/acme/run-policy",
        "{\"max_calls\": 1, \"loops\": {\"verdict\": \"warn\"}}", AS_ADMIN);
    assertThat(put.status()).as(put.body()).isEqualTo(200);
    assertThat(put.json().at("/effective/max_calls").asLong()).isEqualTo(1);
    assertThat(put.json().at("/effective/max_depth").asLong()).as("keys it does not name keep the default").isEqualTo(4);

    assertThat(sluice.post("/v1/chat/completions", body("m", "a"), "authorization", "Bearer " + acme,
        "X-Sluice-Run", "r").status()).isEqualTo(200);
    assertThat(sluice.post("/v1/chat/completions", body("m", "b"), "authorization", "Bearer " + acme,
        "X-Sluice-Run", "r").status()).isEqualTo(429);
    assertThat(call("r", "default tenant keeps 50").status()).isEqualTo(200);

    TestGateway.Response unknown = sluice.put("/admin/tenants/acme/run-policy", "{\"max_calls_per_day\": 1}", AS_ADMIN);
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.error().get("message").asText()).contains("max_calls_per_day");
    assertThat(sluice.put("/admin/tenants/nobody/run-policy", "{}", AS_ADMIN).status()).isEqualTo(404);
  }

  @Test
  void aKeysRunPolicyAppliesToTheCallsMadeWithThatKeyOnly() {
    start("runs: {max_calls: 50}\n");
    sluice.post("/admin/tenants", "{\"name\":\"acme\"}", AS_ADMIN);
    JsonNode ci = createKey("{\"tenant\":\"acme\",\"name\":\"ci\",\"run_policy\":{\"max_calls\":2}}");
    JsonNode dev = createKey("{\"tenant\":\"acme\",\"name\":\"dev\"}");
    assertThat(ci.at("/run_policy/max_calls").asLong()).isEqualTo(2);

    for (int i = 0; i < 2; i++) assertThat(callWith(ci, "ci-run", "step " + i).status()).isEqualTo(200);
    TestGateway.Response third = callWith(ci, "ci-run", "step 2");
    assertThat(third.status()).isEqualTo(429);
    assertThat(third.error().get("param").asText()).isEqualTo("max_calls");
    assertThat(third.error().get("message").asText()).contains("limit of 2 calls");
    for (int i = 0; i < 3; i++) {
      assertThat(callWith(dev, "dev-run", "step " + i).status()).as("the other key keeps its tenant's 50").isEqualTo(200);
    }

    TestGateway.Response put = sluice.put("/admin/keys/" + dev.get("id").asText() + "/run-policy",
        "{\"max_calls\": 1}", AS_ADMIN);
    assertThat(put.status()).as(put.body()).isEqualTo(200);
    assertThat(put.json().get("tenant").asText()).isEqualTo("acme");
    assertThat(put.json().at("/effective/max_calls").asLong()).isEqualTo(1);
    assertThat(callWith(dev, "dev-run-2", "a").status()).isEqualTo(200);
    assertThat(callWith(dev, "dev-run-2", "b").status()).as("set through the admin API, in force at once").isEqualTo(429);
    assertThat(callWith(ci, "ci-run-2", "a").status()).isEqualTo(200);
    assertThat(callWith(ci, "ci-run-2", "b").status()).isEqualTo(200);

    assertThat(sluice.put("/admin/keys/key_nope/run-policy", "{}", AS_ADMIN).status()).isEqualTo(404);
    TestGateway.Response bad = sluice.put("/admin/keys/" + dev.get("id").asText() + "/run-policy",
        "{\"max_calls\": 0}", AS_ADMIN);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.error().get("message").asText()).contains("max_calls");
    TestGateway.Response badAtCreation = sluice.post("/admin/keys", "{\"tenant\":\"acme\",\"run_policy\":{\"loops\":{\"verdict\":\"ignore\"}}}", AS_ADMIN);
    assertThat(badAtCreation.status()).isEqualTo(400);
    assertThat(badAtCreation.error().get("param").asText()).isEqualTo("run_policy");
  }

  @Test
  void aKeysRunPolicyCanTightenItsTenantsButNeverLoosenIt() {
    start("runs: {max_calls: 50}\n");
    sluice.post("/admin/tenants", "{\"name\":\"acme\"}", AS_ADMIN);
    assertThat(sluice.put("/admin/tenants/acme/run-policy", "{\"max_calls\": 2}", AS_ADMIN).status()).isEqualTo(200);
    JsonNode loose = createKey("{\"tenant\":\"acme\",\"run_policy\":{\"max_calls\":10,\"max_depth\":1,"
        + "\"loops\":{\"verdict\":\"warn\"}}}");

    for (int i = 0; i < 2; i++) assertThat(callWith(loose, "r", "step " + i).status()).isEqualTo(200);
    TestGateway.Response third = callWith(loose, "r", "step 2");
    assertThat(third.status()).as("the key's 10 cannot raise the tenant's 2").isEqualTo(429);
    assertThat(third.error().get("message").asText()).contains("limit of 2 calls");

    JsonNode policy = admin("/admin/keys/" + loose.get("id").asText() + "/run-policy");
    assertThat(policy.at("/overrides/max_calls").asLong()).isEqualTo(10);
    assertThat(policy.at("/effective/max_calls").asLong()).isEqualTo(2);
    assertThat(policy.at("/effective/max_depth").asLong()).as("a tighter key value holds").isEqualTo(1);
    assertThat(policy.at("/effective/loops/verdict").asText()).as("warn is milder than the tenant's stop").isEqualTo("stop");

    TestGateway.Response deep = sluice.post("/v1/chat/completions", body("m", "sub"), "authorization",
        "Bearer " + loose.get("key").asText(), "X-Sluice-Run", "child", "X-Sluice-Parent-Run", "grand-parent-child");
    assertThat(deep.status()).isEqualTo(200);
    TestGateway.Response deeper = sluice.post("/v1/chat/completions", body("m", "sub"), "authorization",
        "Bearer " + loose.get("key").asText(), "X-Sluice-Run", "grandchild", "X-Sluice-Parent-Run", "child");
    assertThat(deeper.status()).isEqualTo(429);
    assertThat(deeper.error().get("param").asText()).isEqualTo("max_depth");
  }

  private JsonNode createKey(String json) {
    TestGateway.Response key = sluice.post("/admin/keys", json, AS_ADMIN);
    assertThat(key.status()).as(key.body()).isEqualTo(200);
    return key.json();
  }

  private TestGateway.Response callWith(JsonNode key, String run, String message) {
    return sluice.post("/v1/chat/completions", body("m", message), "authorization", "Bearer " + key.get("key").asText(),
        "X-Sluice-Run", run);
  }

  private String tenantKey(String tenant) {
    sluice.post("/admin/tenants", "{\"name\":\"" + tenant + "\"}", AS_ADMIN);
    TestGateway.Response key = sluice.post("/admin/keys", "{\"tenant\":\"" + tenant + "\"}", AS_ADMIN);
    assertThat(key.status()).as(key.body()).isEqualTo(200);
    return key.json().get("key").asText();
  }

  static JsonNode find(JsonNode rows, String field, String value) {
    for (JsonNode r : rows) if (value.equals(r.path(field).asText(null))) return r;
    throw new AssertionError("no row with " + field + "=" + value + " in " + rows);
  }
}
