package dev.sluice.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.Json;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard shipped in {@code deploy/grafana/sluice.json} only queries metrics that a
 * gateway exports: every metric name in its PromQL appears in {@code /metrics} after a small
 * workload, so a renamed metric breaks this test instead of silently emptying a panel.
 */
class GrafanaDashboardTest {
  static final Path DASHBOARD = Path.of("deploy/grafana/sluice.json");
  static final String ADMIN = "sk-admin-dashboard-test";
  static final String[] AS_ADMIN = {"authorization", "Bearer " + ADMIN};

  @Test
  void everyMetricTheDashboardQueriesIsExportedAfterAWorkload() throws IOException {
    Set<String> queried = metricNames(dashboardQueries());
    assertThat(queried).contains("sluice_cost_usd_total", "gen_ai_client_operation_duration_seconds_bucket",
        "gen_ai_server_time_to_first_token_seconds_bucket", "sluice_circuit_breaker_state");

    String exported;
    try (FakeUpstream upstream = FakeUpstream.start(); TestGateway sluice = TestGateway.start("""
        admin_key: %s
        models:
          - name: m
            price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
            deployments:
              - {provider: openai, base_url: "${UPSTREAM}", model: ok, pool: gpu}
          - name: cached
            price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
            cache: {exact: always}
            deployments:
              - {provider: openai, base_url: "${UPSTREAM}", model: ok, pool: gpu}
          - name: unpriced
            deployments:
              - {provider: openai, base_url: "${UPSTREAM}", model: ok, pool: cpu}
          - name: broken
            retry: {max_retries: 0}
            deployments:
              - {provider: openai, base_url: "${UPSTREAM}", model: error-500, pool: api}
        """.formatted(ADMIN), Map.of("UPSTREAM", upstream.baseUrl()))) {
      runWorkload(sluice);
      TestGateway.Response scrape = sluice.get("/metrics", AS_ADMIN);
      assertThat(scrape.status()).isEqualTo(200);
      exported = scrape.body();
    }
    Set<String> samples = sampleNames(exported);
    Set<String> missing = new TreeSet<>(queried);
    missing.removeAll(samples);
    assertThat(missing).as("metrics the dashboard queries but /metrics does not export").isEmpty();
  }

  @Test
  void everyPanelHasAQueryAndUsesTheDashboardsDataSource() throws IOException {
    JsonNode dashboard = Json.MAPPER.readTree(Files.readString(DASHBOARD));
    int panels = 0;
    for (JsonNode panel : dashboard.get("panels")) {
      if (panel.path("type").asText().equals("row")) continue;
      panels++;
      assertThat(panel.path("targets").isEmpty()).as(panel.path("title").asText() + " has queries").isFalse();
      assertThat(panel.at("/datasource/uid").asText()).isEqualTo("${datasource}");
    }
    assertThat(panels).isGreaterThan(20);
  }

  @Test
  void metricNamesAreReadFromPromQlWithoutFunctionsLabelsOrGroupings() {
    assertThat(metricNames(List.of(
        "histogram_quantile(0.95, sum by (le, pool) (rate(gen_ai_client_operation_duration_seconds_bucket{tenant=~\"$tenant\", pool=\"a b\"}[$__rate_interval])))",
        "(sum(rate(sluice_charge_usd_total[5m])) - sum(rate(sluice_cost_usd_total[5m]))) * 3600",
        "max by (model) (sluice_circuit_breaker_state) > bool 1",
        "label_values(sluice_requests_total, tenant)")))
        .containsExactlyInAnyOrder("gen_ai_client_operation_duration_seconds_bucket", "sluice_charge_usd_total",
            "sluice_cost_usd_total", "sluice_circuit_breaker_state", "sluice_requests_total");
  }

  /**
   * Answers, a stream, a cache hit, an agent run caught in a loop, an unpriced call, an upstream
   * failure, a rate-limit and a budget refusal.
   */
  private static void runWorkload(TestGateway sluice) {
    sluice.post("/admin/tenants", "{\"name\":\"acme\"}", AS_ADMIN);
    sluice.post("/admin/tenants", "{\"name\":\"frugal\"}", AS_ADMIN);
    String acme = sluice.post("/admin/keys", "{\"tenant\":\"acme\"}", AS_ADMIN).json().get("key").asText();
    String frugal = sluice.post("/admin/keys", "{\"tenant\":\"frugal\"}", AS_ADMIN).json().get("key").asText();
    sluice.post("/admin/rate-limits", "{\"scope\":\"tenant\",\"tenant\":\"acme\",\"rpm\":5}", AS_ADMIN);
    sluice.post("/admin/budgets", "{\"scope\":\"tenant\",\"tenant\":\"frugal\",\"amount_usd\":0.000001,"
        + "\"period\":\"day\",\"action\":\"block\"}", AS_ADMIN);
    pause(100);
    String[] asAcme = {"authorization", "Bearer " + acme, "x-sluice-feature", "search"};
    sluice.chat("m", "hello", asAcme);
    sluice.post("/v1/chat/completions", TestGateway.chatBody("m", "a streamed answer of several words", true), asAcme);
    sluice.chat("unpriced", "no price", asAcme);
    sluice.chat("cached", "the same question", AS_ADMIN);
    sluice.chat("cached", "the same question", AS_ADMIN);
    for (int i = 0; i < 3; i++) sluice.chat("m", "the same step again", "authorization", "Bearer " + ADMIN, "x-sluice-run", "run-1");
    sluice.chat("broken", "fails", asAcme);
    for (int i = 0; i < 3; i++) sluice.chat("m", "over the limit " + i, asAcme);
    for (int i = 0; i < 3; i++) sluice.chat("m", "over the budget " + i, "authorization", "Bearer " + frugal);
  }

  private static List<String> dashboardQueries() throws IOException {
    JsonNode dashboard = Json.MAPPER.readTree(Files.readString(DASHBOARD));
    List<String> queries = new ArrayList<>();
    collect(dashboard.get("panels"), queries);
    for (JsonNode v : dashboard.at("/templating/list")) {
      if (v.path("type").asText().equals("query")) queries.add(v.path("definition").asText());
    }
    return queries;
  }

  private static void collect(JsonNode node, List<String> out) {
    if (node.isObject()) {
      node.properties().forEach(e -> {
        if (e.getKey().equals("expr")) out.add(e.getValue().asText());
        else collect(e.getValue(), out);
      });
    } else if (node.isArray()) {
      node.forEach(n -> collect(n, out));
    }
  }

  private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
  private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
  private static final Pattern GROUPINGS = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*+(?!\\s*\\()");
  private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
      "bool", "and", "or", "unless", "offset", "inf", "nan");

  /** The metric names a list of PromQL expressions (and Grafana {@code label_values} queries) read. */
  static Set<String> metricNames(List<String> queries) {
    Set<String> names = new TreeSet<>();
    for (String q : queries) {
      Matcher lv = LABEL_VALUES.matcher(q);
      if (lv.find()) {
        names.add(lv.group(1));
        continue;
      }
      String bare = STRINGS.matcher(q).replaceAll(" ");
      bare = MATCHERS.matcher(bare).replaceAll(" ");
      bare = RANGES.matcher(bare).replaceAll(" ");
      bare = GROUPINGS.matcher(bare).replaceAll(" ");
      Matcher m = IDENTIFIER.matcher(bare);
      while (m.find()) {
        String id = m.group();
        boolean partOfNumber = m.start() > 0 && Character.isDigit(bare.charAt(m.start() - 1));
        if (!KEYWORDS.contains(id.toLowerCase(java.util.Locale.ROOT)) && !partOfNumber) names.add(id);
      }
    }
    return names;
  }

  /** The sample names of a Prometheus text exposition. */
  static Set<String> sampleNames(String exposition) {
    Set<String> names = new TreeSet<>();
    for (String line : exposition.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) continue;
      int end = 0;
      while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') end++;
      names.add(line.substring(0, end));
    }
    return names;
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
