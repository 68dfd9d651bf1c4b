package dev.sluice.meter;

import static dev.sluice.testing.TestGateway.parse;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
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

/** Tenants, keys, metering, prices, plans, rate limits and budgets, through the HTTP API only. */
class MeteringTest {
  static final String ADMIN = "sk-admin-metering-test";
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

  /** A gateway whose model costs $1/Mtok in and $2/Mtok out: the fake's 12 + 5 tokens cost $0.000022. */
  private TestGateway start() {
    return start("");
  }

  /** The same gateway, with more top-level settings. */
  private TestGateway start(String settings) {
    sluice = TestGateway.start(settings + """
        admin_key: %s
        store: sqlite:%s
        models:
          - name: m
            price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
            deployments:
              - {provider: openai, base_url: "${UPSTREAM}", model: ok}
          - name: free-for-all
            deployments:
              - {provider: openai, base_url: "${UPSTREAM}", model: slow-50}
        """.formatted(ADMIN, dir.resolve("sluice.db")), Map.of("UPSTREAM", upstream.baseUrl()));
    return sluice;
  }

  private static final String[] AS_ADMIN = {"authorization", "Bearer " + ADMIN};

  private JsonNode admin(String method, String path, String body) {
    TestGateway.Response r = switch (method) {
      case "POST" -> sluice.post(path, body, AS_ADMIN);
      case "GET" -> sluice.get(path, AS_ADMIN);
      default -> sluice.delete(path, AS_ADMIN);
    };
    assertThat(r.status()).as(method + " " + path + ": " + r.body()).isEqualTo(200);
    return r.json();
  }

  private String newKey(String tenant, String extra) {
    return admin("POST", "/admin/keys", "{\"tenant\":\"" + tenant + "\"" + extra + "}").get("key").asText();
  }

  private static String bearer(String key) {
    return "Bearer " + key;
  }

  @Test
  void aKeysSecretIsShownOnceAndStoredOnlyAsAHash() throws Exception {
    start();
    admin("POST", "/admin/tenants", "{\"name\":\"acme\"}");
    JsonNode created = admin("POST", "/admin/keys", "{\"tenant\":\"acme\",\"name\":\"ci\"}");
    String secret = created.get("key").asText();
    assertThat(secret).startsWith("sk-sluice-");

    assertThat(sluice.chat("m", "hi", "authorization", bearer(secret)).status()).isEqualTo(200);
    JsonNode listed = admin("GET", "/admin/keys?tenant=acme", null);
    assertThat(listed.toString()).doesNotContain(secret);
    assertThat(listed.at("/data/0/hint").asText()).isEqualTo("..." + secret.substring(secret.length() - 4));

    sluice.close();
    sluice = null;
    for (Path f : Files.walk(dir).filter(Files::isRegularFile).toList()) {
      assertThat(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1)).as(f.toString())
          .doesNotContain(secret).doesNotContain(secret.substring(10));
    }
  }

  @Test
  void aRevokedOrExpiredKeyIsRefusedAndAKeyMayBeLimitedToModels() throws Exception {
    start();
    admin("POST", "/admin/tenants", "{\"name\":\"acme\"}");
    JsonNode k = admin("POST", "/admin/keys", "{\"tenant\":\"acme\"}");
    assertThat(sluice.chat("m", "hi", "authorization", bearer(k.get("key").asText())).status()).isEqualTo(200);

    admin("DELETE", "/admin/keys/" + k.get("id").asText(), null);
    TestGateway.Response revoked = sluice.chat("m", "hi", "authorization", bearer(k.get("key").asText()));
    assertThat(revoked.status()).isEqualTo(401);

    String soon = java.time.Instant.now().plusMillis(1500).toString();
    String expiring = newKey("acme", ",\"expires_at\":\"" + soon + "\"");
    assertThat(sluice.chat("m", "hi", "authorization", bearer(expiring)).status()).isEqualTo(200);
    Thread.sleep(1600);
    assertThat(sluice.chat("m", "hi", "authorization", bearer(expiring)).status()).isEqualTo(401);

    String limited = newKey("acme", ",\"models\":[\"free-for-all\"]");
    TestGateway.Response forbidden = sluice.chat("m", "hi", "authorization", bearer(limited));
    assertThat(forbidden.status()).isEqualTo(403);
    assertThat(forbidden.error().get("code").asText()).isEqualTo("model_not_allowed");
  }

  @Test
  void aCallToAModelTheKeyMayNotUseIsRefusedAndRecorded() {
    start();
    admin("POST", "/admin/tenants", "{\"name\":\"acme\"}");
    String limited = newKey("acme", ",\"models\":[\"free-for-all\"]");

    TestGateway.Response refused = sluice.chat("m", "not mine", "authorization", bearer(limited));

    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.error().get("code").asText()).isEqualTo("model_not_allowed");
    assertThat(upstream.requests().stream().filter(r -> r.body().toString().contains("not mine"))).isEmpty();
    JsonNode byStatus = admin("GET", "/admin/usage?group_by=key,status&tenant=acme", null).get("rows");
    assertThat(find(byStatus, "status", "403").get("requests").asLong()).as("the refusal was recorded").isEqualTo(1);
    assertThat(find(byStatus, "status", "403").get("key").asText()).startsWith("key_");
    assertThat(find(byStatus, "status", "403").get("cost_usd").decimalValue()).isEqualByComparingTo(BigDecimal.ZERO);
  }

  @Test
  void everyRequestIsRecordedWithItsExactCostAndCharge() {
    start();
    admin("POST", "/admin/tenants", "{\"name\":\"acme\",\"plan\":{\"type\":\"markup\",\"percent\":20}}");
    String key = newKey("acme", "");
    for (int i = 0; i < 3; i++) {
      assertThat(sluice.chat("m", "q" + i, "authorization", bearer(key), "x-sluice-feature", "search").status()).isEqualTo(200);
    }
    assertThat(sluice.post("/v1/chat/completions", TestGateway.chatBody("m", "streamed", true),
        "authorization", bearer(key), "x-sluice-feature", "chat").events().getLast()).isEqualTo("[DONE]");

    JsonNode rows = admin("GET", "/admin/usage?group_by=tenant,feature&tenant=acme", null).get("rows");

    assertThat(rows).hasSize(2);
    JsonNode search = find(rows, "feature", "search");
    assertThat(search.get("requests").asLong()).isEqualTo(3);
    assertThat(search.get("input_tokens").asLong()).isEqualTo(36);
    assertThat(search.get("output_tokens").asLong()).isEqualTo(15);
    assertThat(search.get("cost_usd").decimalValue()).isEqualByComparingTo("0.000066"); // 3 × (12 × $1 + 5 × $2) / 1M
    assertThat(search.get("charge_usd").decimalValue()).isEqualByComparingTo("0.0000792"); // + 20 %
    JsonNode chat = find(rows, "feature", "chat");
    assertThat(chat.get("input_tokens").asLong()).as("the stream's usage was metered").isEqualTo(12);
    assertThat(chat.get("output_tokens").asLong()).isEqualTo(3);
    assertThat(chat.get("cost_usd").decimalValue()).isEqualByComparingTo("0.000018");
  }

  @Test
  void usageComesAsCsvTooAndByHour() {
    start();
    sluice.chat("m", "one", AS_ADMIN);
    sluice.chat("m", "two", AS_ADMIN);

    TestGateway.Response csv = sluice.get("/admin/usage?group_by=model&granularity=hour", "authorization", "Bearer " + ADMIN,
        "accept", "text/csv");

    assertThat(csv.header("content-type")).startsWith("text/csv");
    List<String> lines = csv.body().lines().toList();
    assertThat(lines.getFirst()).isEqualTo(
        "model,time,requests,input_tokens,cached_input_tokens,cache_write_tokens,output_tokens,cost_usd,charge_usd,avoided_usd,unpriced_requests");
    assertThat(lines).hasSize(2);
    assertThat(lines.get(1)).startsWith("m,").contains(",2,24,0,0,10,0.000044,0.000044,0,0");
  }

  @Test
  void usageDatesAreDaysOfTheConfiguredTimeZoneAsInvoiceMonthsAre() {
    // A zone whose date is not UTC's at this moment, so that its midnight and UTC's give different days.
    String zone = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).getHour() >= 12 ? "+14:00" : "-12:00";
    start("time_zone: \"" + zone + "\"\n");
    sluice.chat("m", "today", AS_ADMIN);
    java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneId.of(zone));

    JsonNode day = admin("GET", "/admin/usage?from=" + today + "&to=" + today.plusDays(1), null);
    java.time.YearMonth month = java.time.YearMonth.from(today);
    JsonNode byMonth = admin("GET", "/admin/usage?from=" + month.atDay(1) + "&to=" + month.plusMonths(1).atDay(1), null);
    JsonNode invoice = admin("GET", "/admin/invoices?tenant=default&period=" + month, null);

    assertThat(day.at("/rows/0/requests").asLong()).as("requests on %s in %s", today, zone).isEqualTo(1);
    assertThat(byMonth.at("/rows/0/requests").asLong()).isEqualTo(invoice.get("requests").asLong()).isEqualTo(1);
    assertThat(byMonth.at("/rows/0/charge_usd").decimalValue()).isEqualByComparingTo(invoice.get("usage_usd").decimalValue());
  }

  @Test
  void aTenantSeesOnlyItsOwnUsageAndNoAdminEndpoint() {
    start();
    admin("POST", "/admin/tenants", "{\"name\":\"a\"}");
    admin("POST", "/admin/tenants", "{\"name\":\"b\"}");
    String keyA = newKey("a", "");
    String keyB = newKey("b", "");
    sluice.chat("m", "from a", "authorization", bearer(keyA));
    sluice.chat("m", "from b", "authorization", bearer(keyB));
    sluice.chat("m", "from b", "authorization", bearer(keyB));

    JsonNode mine = sluice.get("/me/usage?group_by=tenant", "authorization", bearer(keyA)).json();
    assertThat(mine.get("rows")).singleElement().satisfies(r -> {
      assertThat(r.get("tenant").asText()).isEqualTo("a");
      assertThat(r.get("requests").asLong()).isEqualTo(1);
    });
    JsonNode sneaky = sluice.get("/me/usage?group_by=tenant&tenant=b", "authorization", bearer(keyA)).json();
    assertThat(sneaky.at("/rows/0/tenant").asText()).isEqualTo("a");

    for (String path : List.of("/admin/usage", "/admin/keys?tenant=b", "/admin/tenants", "/admin/invoices?tenant=b&period=2026-11")) {
      TestGateway.Response r = sluice.get(path, "authorization", bearer(keyA));
      assertThat(r.status()).as(path).isEqualTo(403);
    }
    assertThat(sluice.delete("/admin/keys/whatever", "authorization", bearer(keyA)).status()).isEqualTo(403);
    assertThat(sluice.get("/me/usage").status()).isEqualTo(401);
  }

  @Test
  void aRateLimitRefusesWith429RetryAfterAndOpenAiHeaders() {
    start();
    admin("POST", "/admin/tenants", "{\"name\":\"acme\"}");
    String key = newKey("acme", "");
    admin("POST", "/admin/rate-limits", "{\"scope\":\"tenant\",\"tenant\":\"acme\",\"rpm\":2}");

    TestGateway.Response first = sluice.chat("m", "1", "authorization", bearer(key));
    assertThat(first.header("x-ratelimit-limit-requests")).isEqualTo("2");
    assertThat(first.header("x-ratelimit-remaining-requests")).isEqualTo("1");
    assertThat(sluice.chat("m", "2", "authorization", bearer(key)).status()).isEqualTo(200);
    TestGateway.Response third = sluice.chat("m", "3", "authorization", bearer(key));

    assertThat(third.status()).isEqualTo(429);
    assertThat(third.error().get("code").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(Integer.parseInt(third.header("retry-after"))).isBetween(1, 30);
    assertThat(third.header("x-ratelimit-remaining-requests")).isEqualTo("0");
    assertThat(upstream.requests().stream().filter(r -> r.body().toString().contains("\"3\""))).isEmpty();

    JsonNode byStatus = admin("GET", "/admin/usage?group_by=status&tenant=acme", null).get("rows");
    assertThat(find(byStatus, "status", "429").get("requests").asLong()).as("the refusal was recorded").isEqualTo(1);
    assertThat(find(byStatus, "status", "429").get("cost_usd").decimalValue()).isEqualByComparingTo(BigDecimal.ZERO);
  }

  @Test
  void parallelRequestsNeverSpendMoreThanTheBudgetStreamingIncluded() throws Exception {
    start();
    admin("POST", "/admin/tenants", "{\"name\":\"acme\"}");
    String key = newKey("acme", "");
    // Each request costs $0.000022 when not streamed, $0.000018 streamed (12 in, 3 out); the budget affords 20 of the dearer.
    admin("POST", "/admin/budgets", "{\"scope\":\"tenant\",\"tenant\":\"acme\",\"amount_usd\":0.00044,\"period\":\"day\"}");

    ExecutorService pool = Executors.newFixedThreadPool(64);
    List<CompletableFuture<TestGateway.Response>> calls = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      boolean stream = i % 2 == 0;
      ObjectNode body = (ObjectNode) parse(TestGateway.chatBody("m", "parallel " + i, stream));
      body.put("max_tokens", 5);
      calls.add(CompletableFuture.supplyAsync(() -> sluice.post("/v1/chat/completions", body.toString(),
          "authorization", bearer(key)), pool));
    }
    int ok = 0;
    int refused = 0;
    for (var c : calls) {
      TestGateway.Response r = c.get();
      if (r.status() == 200) ok++;
      if (r.status() == 429) {
        refused++;
        assertThat(r.error().get("code").asText()).isEqualTo("budget_exceeded");
        assertThat(r.header("x-should-retry")).isEqualTo("false");
      }
    }
    pool.shutdown();

    JsonNode total = admin("GET", "/admin/usage?tenant=acme", null).at("/rows/0");
    assertThat(ok + refused).isEqualTo(200);
    assertThat(ok).isGreaterThan(0);
    assertThat(total.get("charge_usd").decimalValue()).isLessThanOrEqualTo(new BigDecimal("0.00044"));
    assertThat(total.get("requests").asLong()).isEqualTo(200);
  }

  @Test
  void anInvoiceAddsUpToTheLedgerAndShowsTheFee() {
    start();
    admin("POST", "/admin/tenants", "{\"name\":\"acme\",\"plan\":{\"type\":\"subscription\",\"monthly_fee_usd\":10,"
        + "\"included_usd\":0.00003,\"overage\":{\"type\":\"markup\",\"percent\":100}}}");
    String key = newKey("acme", "");
    for (int i = 0; i < 3; i++) sluice.chat("m", "i" + i, "authorization", bearer(key));
    String month = java.time.YearMonth.now(java.time.ZoneOffset.UTC).toString();

    JsonNode invoice = admin("GET", "/admin/invoices?tenant=acme&period=" + month, null);

    // costs 22 + 22 + 22 µ$; 30 µ$ included: charges 0, (44-30)×2 = 28, 22×2 = 44 µ$
    assertThat(invoice.get("usage_usd").decimalValue()).isEqualByComparingTo("0.000072");
    assertThat(invoice.get("total_usd").decimalValue()).isEqualByComparingTo("10.000072");
    assertThat(invoice.get("cost_usd").decimalValue()).isEqualByComparingTo("0.000066");
    JsonNode usage = admin("GET", "/admin/usage?tenant=acme", null).at("/rows/0");
    assertThat(usage.get("charge_usd").decimalValue()).isEqualByComparingTo(invoice.get("usage_usd").decimalValue());
    assertThat(invoice.get("lines")).anySatisfy(l -> assertThat(l.get("description").asText()).contains("subscription fee"));
  }

  @Test
  void badAdminRequestsGetClearErrors() {
    start();
    TestGateway.Response dup1 = sluice.post("/admin/tenants", "{\"name\":\"x\"}", AS_ADMIN);
    TestGateway.Response dup2 = sluice.post("/admin/tenants", "{\"name\":\"x\"}", AS_ADMIN);
    assertThat(dup1.status()).isEqualTo(200);
    assertThat(dup2.status()).isEqualTo(409);
    assertThat(sluice.post("/admin/keys", "{\"tenant\":\"nobody\"}", AS_ADMIN).status()).isEqualTo(404);
    TestGateway.Response unknown = sluice.post("/admin/budgets", "{\"scope\":\"tenant\",\"tenant\":\"x\",\"amount\":5}", AS_ADMIN);
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.error().get("param").asText()).isEqualTo("amount");
    TestGateway.Response plan = sluice.post("/admin/tenants", "{\"name\":\"y\",\"plan\":{\"type\":\"freebie\"}}", AS_ADMIN);
    assertThat(plan.status()).isEqualTo(400);
    assertThat(plan.error().get("message").asText()).contains("pass_through, markup, rate_card or subscription");
  }

  @Test
  void aDeploymentPaidByTheHourChargesEachRequestItsShareAndReportsIdleTime() throws Exception {
    sluice = TestGateway.start("""
        admin_key: %s
        store: sqlite:%s
        models:
          - name: gpu
            deployments:
              - {provider: openai, base_url: "${UPSTREAM}", model: slow-200, cost_per_hour: 3.6, pool: gpu-h100}
        """.formatted(ADMIN, dir.resolve("sluice.db")), Map.of("UPSTREAM", upstream.baseUrl()));
    Thread.sleep(300);

    assertThat(sluice.chat("gpu", "alone on the GPU", AS_ADMIN).status()).isEqualTo(200);

    // $3.60 an hour is $0.001 a second: alone for about 0.2 s, the request pays about $0.0002
    BigDecimal cost = admin("GET", "/admin/usage", null).at("/rows/0/cost_usd").decimalValue();
    assertThat(cost).isBetween(new BigDecimal("0.00015"), new BigDecimal("0.0006"));
    JsonNode deployment = admin("GET", "/admin/deployments", null).at("/deployments/0");
    assertThat(deployment.get("idle_cost_usd").decimalValue()).isGreaterThan(new BigDecimal("0.0002"));
  }

  private static JsonNode find(JsonNode rows, String field, String value) {
    for (JsonNode r : rows) if (value.equals(r.path(field).asText())) return r;
    throw new AssertionError("no row with " + field + "=" + value + " in " + rows);
  }
}
