package dev.sluice.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLogTest {

  @Test
  void oneJsonLinePerCallWithWhoWhatAndCostButNeverThePrompt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("logs/access.jsonl");
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway sluice = TestGateway.start("""
            access_log: %s
            models:
              - name: m
                price: {input_per_mtok: 1, output_per_mtok: 2}
                deployments:
                  - {provider: openai, base_url: "${UPSTREAM}", model: ok, pool: gpu}
            """.formatted(file), Map.of("UPSTREAM", upstream.baseUrl()))) {
      String requestId = sluice.chat("m", "my very private question", "x-sluice-feature", "search",
          "x-sluice-run", "run-7").header("x-sluice-request-id");
      sluice.post("/v1/chat/completions", TestGateway.chatBody("m", "another private one", true));
      sluice.chat("nope", "a refused call is logged too");

      List<String> lines = List.of();
      for (int i = 0; i < 50 && lines.size() < 3; i++) {
        Thread.sleep(50);
        lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
      }
      assertThat(lines).hasSize(3);
      assertThat(TestGateway.parse(lines.get(2)).get("error_code").asText()).isEqualTo("model_not_found");
      assertThat(TestGateway.parse(lines.get(2)).get("status").asInt()).isEqualTo(404);
      JsonNode first = TestGateway.parse(lines.get(0));
      assertThat(first.get("request_id").asText()).isEqualTo(requestId);
      assertThat(first.get("tenant").asText()).isEqualTo("default");
      assertThat(first.get("feature").asText()).isEqualTo("search");
      assertThat(first.get("run").asText()).isEqualTo("run-7");
      assertThat(first.get("model_asked").asText()).isEqualTo("m");
      assertThat(first.get("deployment").asText()).isEqualTo("openai-1");
      assertThat(first.get("pool").asText()).isEqualTo("gpu");
      assertThat(first.get("status").asInt()).isEqualTo(200);
      assertThat(first.get("input_tokens").asInt()).isEqualTo(12);
      assertThat(first.get("cost_usd").decimalValue()).isEqualByComparingTo("0.000022");
      assertThat(first.get("cache").asText()).isEqualTo("off");
      assertThat(first.get("latency_ms").asDouble()).isPositive();
      assertThat(TestGateway.parse(lines.get(1)).has("ttft_ms")).isTrue();
      assertThat(String.join("\n", lines)).doesNotContain("private").doesNotContain("refused call");
    }
  }
}
