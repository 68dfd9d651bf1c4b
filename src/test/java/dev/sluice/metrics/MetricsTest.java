package dev.sluice.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** After a known workload, the metrics add up to the ledger. */
class MetricsTest {
  static final String ADMIN = "sk-admin-metrics-test";
  static FakeUpstream upstream;
  static TestGateway sluice;

  @BeforeAll
  static void start() {
    upstream = FakeUpstream.start();
    sluice = TestGateway.start("""
        admin_key: %s
        models:
          - name: m
            price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
            deployments:
              - {provider: openai, base_url: "${UPSTREAM}", model: ok, pool: gpu-h100}
          - name: broken
            retry: {max_retries: 0}
            deployments:
              - {provider: openai, base_url: "${UPSTREAM}", model: error-500, pool: cpu}
        """.formatted(ADMIN), Map.of("UPSTREAM", upstream.baseUrl()));
  }

  @AfterAll
  static void stop() {
    sluice.close();
    upstream.close();
  }

  static final String[] AS_ADMIN = {"authorization", "Bearer " + ADMIN};

  @Test
  void countersAndHistogramsAddUpToTheLedger() {
    sluice.post("/admin/tenants", "{\"name\":\"acme\"}", AS_ADMIN);
    String key = sluice.post("/admin/keys", "{\"tenant\":\"acme\"}", AS_ADMIN).json().get("key").asText();
    sluice.post("/admin/rate-limits", "{\"scope\":\"tenant\",\"tenant\":\"acme\",\"rpm\":4}", AS_ADMIN);
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (int i = 0; i < 3; i++) sluice.chat("m", "q" + i, "authorization", "Bearer " + key, "x-sluice-feature", "search");
    sluice.post("/v1/chat/completions", TestGateway.chatBody("m", "streamed", true), "authorization", "Bearer " + key);
    assertThat(sluice.chat("m", "over the limit", "authorization", "Bearer " + key).status()).isEqualTo(429);
    assertThat(sluice.chat("broken", "fails", AS_ADMIN).status()).isEqualTo(502);

    TestGateway.Response scrape = sluice.get("/metrics", AS_ADMIN);
    assertThat(scrape.status()).isEqualTo(200);
    String text = scrape.body();
    JsonNode ledger = sluice.get("/admin/usage", AS_ADMIN).json().at("/rows/0");

    assertThat(sum(text, "sluice_requests_total", "")).isEqualTo(ledger.get("requests").asDouble()).isEqualTo(6);
    assertThat(sum(text, "gen_ai_client_token_usage_sum", "gen_ai_token_type=\"input\""))
        .isEqualTo(ledger.get("input_tokens").asDouble() + ledger.get("cached_input_tokens").asDouble());
    assertThat(sum(text, "gen_ai_client_token_usage_sum", "gen_ai_token_type=\"output\""))
        .isEqualTo(ledger.get("output_tokens").asDouble());
    // Prometheus counters are doubles: equal to the ledger to far better than a micro-dollar
    assertThat(sum(text, "sluice_cost_usd_total", ""))
        .isCloseTo(ledger.get("cost_usd").decimalValue().doubleValue(), org.assertj.core.data.Offset.offset(1e-12));
    assertThat(sum(text, "gen_ai_client_operation_duration_seconds_count", "")).isEqualTo(6);
    assertThat(sum(text, "gen_ai_server_time_to_first_token_seconds_count", "")).isEqualTo(1);
    assertThat(sum(text, "sluice_rejections_total", "reason=\"rate_limit\"")).isEqualTo(1);
    assertThat(sum(text, "sluice_upstream_errors_total", "class=\"status_5xx\"")).isEqualTo(1);
    assertThat(sum(text, "sluice_requests_in_flight", "")).isZero();
    assertThat(text).contains("sluice_circuit_breaker_state{deployment=\"openai-1\",model=\"m\",pool=\"gpu-h100\"} 0.0");
    assertThat(text).contains("tenant=\"acme\"").contains("feature=\"search\"").contains("pool=\"gpu-h100\"");
  }

  @Test
  void metricsNeedTheAdminKeyWhenThereIsOne() {
    assertThat(sluice.get("/metrics").status()).isEqualTo(401);
  }

  /** The sum of every sample of {@code name} whose labels contain {@code filter}. */
  static double sum(String text, String name, String filter) {
    Pattern p = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);
    Matcher m = p.matcher(text);
    double total = 0;
    while (m.find()) {
      String labels = m.group(1) == null ? "" : m.group(1);
      if (labels.contains(filter)) total += Double.parseDouble(m.group(2));
    }
    return total;
  }
}
