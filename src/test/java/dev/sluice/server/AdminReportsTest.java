package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The read-only reports behind the dashboard, and the dashboard's files, through HTTP only. */
class AdminReportsTest {
  static final String ADMIN = "sk-admin-reports-test";
  static final String[] AS_ADMIN = {"authorization", "Bearer " + ADMIN};
  static final List<String> REPORTS = List.of("/admin/usage/series", "/admin/usage/runs", "/admin/latency",
      "/admin/budgets/status");

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

  /** Two models, priced: "large" answers at once, "small" after 60 ms; "broken" always fails. */
  private void start() {
    sluice = TestGateway.start("""
        admin_key: %s
        store: sqlite:%s
        models:
          - name: large
            price: {input_per_mtok: 10.00, output_per_mtok: 30.00}
            deployments:
              - {id: fast, provider: openai, base_url: "${UPSTREAM}", model: ok}
          - name: small
            price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
            deployments:
              - {id: slow, provider: openai, base_url: "${UPSTREAM}", model: slow-60}
          - name: broken
            retry: {max_retries: 0}
            deployments:
              - {id: failing, provider: openai, base_url: "${UPSTREAM}", model: error-500}
        """.formatted(ADMIN, dir.resolve("sluice.db")), Map.of("UPSTREAM", upstream.baseUrl()));
  }

  private JsonNode admin(String path) {
    TestGateway.Response r = sluice.get(path, AS_ADMIN);
    assertThat(r.status()).as("GET " + path + ": " + r.body()).isEqualTo(200);
    return r.json();
  }

  private JsonNode post(String path, String body) {
    TestGateway.Response r = sluice.post(path, body, AS_ADMIN);
    assertThat(r.status()).as("POST " + path + ": " + r.body()).isEqualTo(200);
    return r.json();
  }

  private void chat(String model, String feature, String run, String message, String... more) {
    List<String> headers = new ArrayList<>(List.of(AS_ADMIN));
    if (feature != null) headers.addAll(List.of("x-sluice-feature", feature));
    if (run != null) headers.addAll(List.of("x-sluice-run", run));
    headers.addAll(List.of(more));
    sluice.chat(model, message, headers.toArray(String[]::new));
  }

  private static String window(JsonNode report) {
    return "from=" + enc(report.get("from").asText()) + "&to=" + enc(report.get("to").asText());
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Test
  void theReportsNeedTheAdminKey() {
    start();
    String tenantKey = post("/admin/keys", "{\"tenant\":\"default\"}").get("key").asText();

    for (String path : REPORTS) {
      assertThat(sluice.get(path).status()).as(path + " without a key").isEqualTo(401);
      TestGateway.Response asTenant = sluice.get(path, "authorization", "Bearer " + tenantKey);
      assertThat(asTenant.status()).as(path + " with a tenant's key").isEqualTo(403);
      assertThat(asTenant.error().get("code").asText()).isEqualTo("admin_only");
      assertThat(sluice.get(path, AS_ADMIN).status()).as(path).isEqualTo(200);
    }
  }

  @Test
  void aSeriesHasAValueInEveryBucketAndAddsUpToTheUsage() {
    start();
    for (int i = 0; i < 3; i++) chat("large", "search", null, "q" + i);
    chat("small", "chat", null, "hello");
    chat("small", null, null, "untagged");

    JsonNode series = admin("/admin/usage/series?range=hour&group_by=feature&measure=cost_usd");

    assertThat(series.get("granularity").asText()).isEqualTo("minute");
    assertThat(series.get("times")).hasSize(61);
    Map<String, BigDecimal> byFeature = new HashMap<>();
    for (JsonNode r : admin("/admin/usage?" + window(series) + "&group_by=feature").get("rows")) {
      byFeature.put(r.get("feature").isNull() ? null : r.get("feature").asText(), r.get("cost_usd").decimalValue());
    }
    assertThat(series.get("series")).hasSize(3);
    BigDecimal sum = BigDecimal.ZERO;
    for (JsonNode s : series.get("series")) {
      String name = s.get("name").isNull() ? null : s.get("name").asText();
      assertThat(s.get("values")).hasSize(61);
      BigDecimal values = BigDecimal.ZERO;
      for (JsonNode v : s.get("values")) values = values.add(v.decimalValue());
      assertThat(values).as(name).isEqualByComparingTo(s.get("total").decimalValue());
      assertThat(s.get("total").decimalValue()).as(name).isEqualByComparingTo(byFeature.get(name));
      sum = sum.add(values);
    }
    assertThat(series.get("series").get(0).get("name").asText()).as("dearest first").isEqualTo("search");
    assertThat(series.get("total").decimalValue()).isEqualByComparingTo(sum)
        .isEqualByComparingTo(admin("/admin/usage?" + window(series)).at("/rows/0/cost_usd").decimalValue());
    long seriesStart = series.get("times").get(0).asLong();
    assertThat(Instant.parse(series.get("from").asText()).getEpochSecond()).isEqualTo(seriesStart);

    JsonNode byStatus = admin("/admin/usage/series?range=day&group_by=status&measure=requests");
    assertThat(byStatus.get("granularity").asText()).isEqualTo("hour");
    assertThat(byStatus.get("total").asLong()).isEqualTo(5);
    assertThat(byStatus.at("/series/0/name").asText()).isEqualTo("200");
  }

  @Test
  void theLargestSeriesKeepTheirNamesAndTheRestAreSummedAsOther() {
    start();
    String[] features = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < features.length; i++) {
      for (int n = 0; n <= i; n++) chat("large", features[i], null, "call " + n);
    }

    JsonNode series = admin("/admin/usage/series?range=hour&group_by=feature&measure=requests&top=3");

    List<String> names = new ArrayList<>();
    series.get("series").forEach(s -> names.add(s.get("name").asText()));
    assertThat(names).containsExactly("e", "d", "other");
    JsonNode other = series.get("series").get(2);
    assertThat(other.get("other").asBoolean()).isTrue();
    assertThat(other.get("groups").asInt()).isEqualTo(3);
    assertThat(other.get("total").asLong()).isEqualTo(1 + 2 + 3);
    assertThat(series.get("total").asLong()).isEqualTo(15);
  }

  @Test
  void nonsenseParametersAreRefusedNamingThem() {
    start();
    Map<String, String> refused = Map.of(
        "/admin/usage/series?measure=joy", "measure",
        "/admin/usage/series?group_by=tenant,feature", "group_by",
        "/admin/usage/series?group_by=password", "group_by",
        "/admin/usage/series?range=year", "range",
        "/admin/usage/series?top=0", "top",
        "/admin/usage/series?range=day&from=2026-01-01", "range",
        "/admin/latency?from=2020-01-01&granularity=minute", "granularity",
        "/admin/usage/runs?limit=many", "limit");
    refused.forEach((path, param) -> {
      TestGateway.Response r = sluice.get(path, AS_ADMIN);
      assertThat(r.status()).as(path).isEqualTo(400);
      assertThat(r.error().get("param").asText()).as(path).isEqualTo(param);
      assertThat(r.error().get("type").asText()).isEqualTo("invalid_request_error");
    });
  }

  @Test
  void latencyPercentilesPerBackendCountTheCallsItAnswered() {
    start();
    for (int i = 0; i < 4; i++) chat("large", null, null, "fast " + i);
    for (int i = 0; i < 3; i++) chat("small", null, null, "slow " + i);
    sluice.post("/v1/chat/completions", TestGateway.chatBody("small", "streamed", true), AS_ADMIN);
    for (int i = 0; i < 2; i++) chat("broken", null, null, "fails " + i);

    JsonNode report = admin("/admin/latency?range=hour");

    assertThat(report.get("group_by")).hasToString("[\"model\",\"deployment\"]");
    JsonNode rows = report.get("rows");
    assertThat(rows).hasSize(2); // the failing backend answered nothing
    JsonNode fast = rows.get(0);
    JsonNode slow = rows.get(1);
    assertThat(fast.get("model").asText() + "/" + fast.get("deployment").asText()).isEqualTo("large/fast");
    assertThat(slow.get("model").asText() + "/" + slow.get("deployment").asText()).isEqualTo("small/slow");
    assertThat(fast.get("requests").asLong()).isEqualTo(4);
    assertThat(slow.get("requests").asLong()).isEqualTo(4);
    assertThat(fast.get("streams").asLong()).isZero();
    assertThat(fast.get("ttft_ms").isNull()).isTrue();
    assertThat(slow.get("streams").asLong()).isEqualTo(1);
    assertThat(slow.at("/ttft_ms/p50").asDouble()).isGreaterThanOrEqualTo(60);
    assertThat(slow.at("/latency_ms/p50").asDouble()).isGreaterThanOrEqualTo(60)
        .isGreaterThan(fast.at("/latency_ms/p50").asDouble());
    assertThat(slow.at("/latency_ms/p99").asDouble()).isGreaterThanOrEqualTo(slow.at("/latency_ms/p90").asDouble())
        .isGreaterThanOrEqualTo(slow.at("/latency_ms/p50").asDouble());

    int buckets = report.get("times").size();
    JsonNode p90 = slow.at("/over_time/latency_p90_ms");
    assertThat(p90).hasSize(buckets);
    int filled = 0;
    for (JsonNode v : p90) if (!v.isNull()) filled++;
    assertThat(filled).as("the calls fell in the last minute or two").isBetween(1, 2);
    assertThat(p90.get(buckets - 1).isNull() && p90.get(buckets - 2).isNull()).isFalse();
  }

  @Test
  void theCostliestRunsComeDearestFirstAndCallsOutsideRunsAreLeftOut() {
    start();
    for (int i = 0; i < 3; i++) chat("large", null, "run-big", "step " + i);
    chat("small", null, "run-small", "one step");
    chat("large", null, null, "no run");
    chat("large", null, null, "no run either");

    JsonNode top = admin("/admin/usage/runs?range=day");

    assertThat(top.get("runs").asInt()).isEqualTo(2);
    JsonNode data = top.get("data");
    assertThat(data).hasSize(2);
    assertThat(data.get(0).get("run").asText()).isEqualTo("run-big");
    assertThat(data.get(0).get("tenant").asText()).isEqualTo("default");
    assertThat(data.get(0).get("requests").asLong()).isEqualTo(3);
    assertThat(data.get(1).get("run").asText()).isEqualTo("run-small");
    for (JsonNode r : admin("/admin/usage?" + window(top) + "&group_by=run").get("rows")) {
      if (r.get("run").isNull()) continue;
      JsonNode shown = r.get("run").asText().equals("run-big") ? data.get(0) : data.get(1);
      assertThat(shown.get("cost_usd").decimalValue()).isEqualByComparingTo(r.get("cost_usd").decimalValue());
      assertThat(shown.get("tokens").asLong()).isEqualTo(r.get("input_tokens").asLong() + r.get("output_tokens").asLong());
    }
    assertThat(admin("/admin/usage/runs?range=day&limit=1").get("data")).hasSize(1);
  }

  @Test
  void aBudgetReportsItsSpendBurnRateAndBurnDown() {
    start();
    post("/admin/budgets", "{\"scope\":\"tenant\",\"tenant\":\"default\",\"amount_usd\":0.001,\"period\":\"day\",\"action\":\"alert\"}");
    post("/admin/budgets", "{\"scope\":\"feature\",\"tenant\":\"default\",\"target\":\"search\",\"amount_usd\":5,\"period\":\"month\"}");
    for (int i = 0; i < 3; i++) chat("large", "search", null, "find " + i);
    for (int i = 0; i < 2; i++) chat("large", "chat", null, "talk " + i);

    JsonNode status = admin("/admin/budgets/status");

    assertThat(status.get("data")).hasSize(2);
    for (JsonNode b : status.get("data")) {
      String feature = b.get("scope").asText().equals("feature") ? "&group_by=feature" : "";
      BigDecimal usage = BigDecimal.ZERO;
      for (JsonNode r : admin("/admin/usage?from=" + enc(b.get("period_start").asText()) + feature).get("rows")) {
        if (feature.isEmpty() || "search".equals(r.get("feature").asText())) usage = usage.add(r.get("charge_usd").decimalValue());
      }
      BigDecimal spent = b.get("spent_usd").decimalValue();
      BigDecimal amount = b.get("amount_usd").decimalValue();
      assertThat(spent).as(b.get("id").asText()).isEqualByComparingTo(usage).isPositive();
      assertThat(b.get("remaining_usd").decimalValue()).isEqualByComparingTo(amount.subtract(spent).max(BigDecimal.ZERO));
      assertThat(b.get("burn_rate_usd_per_day").decimalValue()).isPositive();
      assertThat(b.get("rate_window_hours").decimalValue()).isPositive().isLessThanOrEqualTo(BigDecimal.valueOf(24));

      JsonNode burn = b.get("burn_down");
      JsonNode remaining = burn.get("remaining_usd");
      assertThat(burn.get("times")).hasSameSizeAs(remaining);
      assertThat(remaining.get(0).decimalValue()).as("nothing spent when the period began").isEqualByComparingTo(amount);
      assertThat(remaining.get(remaining.size() - 1).decimalValue()).isEqualByComparingTo(amount.subtract(spent));
      long last = Long.MIN_VALUE;
      for (JsonNode t : burn.get("times")) {
        assertThat(t.asLong()).isGreaterThanOrEqualTo(last);
        last = t.asLong();
      }
    }
    JsonNode daily = status.get("data").get(0).get("period").asText().equals("day") ? status.get("data").get(0) : status.get("data").get(1);
    assertThat(daily.get("exhausted").asBoolean()).as("$0.001 is spent by five calls of $0.00027").isTrue();
    assertThat(daily.get("used").decimalValue()).isGreaterThan(BigDecimal.ONE);
    JsonNode monthly = status.get("data").get(0) == daily ? status.get("data").get(1) : status.get("data").get(0);
    assertThat(monthly.get("exhausted").asBoolean()).isFalse();
    assertThat(Instant.parse(monthly.get("exhausts_at").asText())).isAfter(Instant.now());
    assertThat(monthly.get("burn_down").get("granularity").asText()).isEqualTo("day");
  }

  @Test
  void theDashboardIsServedFromTheJarWithoutAKeyAndWithAStrictPolicy() {
    start();

    TestGateway.Response bare = sluice.get("/ui");
    assertThat(bare.status()).isEqualTo(308);
    assertThat(bare.header("location")).isEqualTo("/ui/");

    TestGateway.Response index = sluice.get("/ui/");
    assertThat(index.status()).isEqualTo(200);
    assertThat(index.header("content-type")).startsWith("text/html");
    assertThat(index.header("content-security-policy")).contains("default-src 'self'").contains("frame-ancestors 'none'");
    assertThat(index.header("x-content-type-options")).isEqualTo("nosniff");
    assertThat(index.body()).contains("vendor/uPlot.iife.min.js").contains("app.js").doesNotContain("http://")
        .doesNotContain("https://");

    for (String file : StaticFiles.FILES) {
      assertThat(sluice.get("/ui/" + file).status()).as(file).isEqualTo(200);
    }
    TestGateway.Response uplot = sluice.get("/ui/vendor/uPlot.iife.min.js");
    assertThat(uplot.header("content-type")).startsWith("text/javascript");
    assertThat(uplot.body()).contains("uPlot");
    assertThat(sluice.get("/ui/vendor/uPlot.min.css").header("content-type")).startsWith("text/css");

    TestGateway.Response again = sluice.get("/ui/app.js", "if-none-match", sluice.get("/ui/app.js").header("etag"));
    assertThat(again.status()).isEqualTo(304);

    TestGateway.Response missing = sluice.get("/ui/secrets.json");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.error().get("code").asText()).isEqualTo("not_found");
    assertThat(sluice.get("/ui/%2e%2e/pom.xml").status()).isEqualTo(404);
  }
}
