package dev.sluice.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.config.ConfigException;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prompts and completions are logged only for tenants that opt in, and then redacted. */
class ContentLogTest {
  static final String OPTED_IN_KEY = "sk-test-opted-in-0123456789";
  static final String PRIVATE_KEY = "sk-test-private-0123456789";
  static final String LEAKY_PROMPT = "I am jane.doe@example.com, my key is sk-proj-AbCdEf0123456789xyzXYZ and password=hunter2";

  @Test
  void onlyATenantThatOptedInHasItsContentLoggedAndThenRedacted(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("access.jsonl");
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway sluice = TestGateway.start("""
            admin_key: sk-admin-content-log-test
            access_log: %s
            tenants:
              - name: chatty
                log_content: true
                keys: [{name: app, key: "${OPTED_IN}"}]
              - name: discreet
                keys: [{name: app, key: "${PRIVATE}"}]
            models:
              - name: m
                price: {input_per_mtok: 1, output_per_mtok: 2}
                deployments:
                  - {provider: openai, base_url: "${UPSTREAM}", model: ok}
              - name: streamed
                price: {input_per_mtok: 1, output_per_mtok: 2}
                deployments:
                  - {provider: openai, base_url: "${UPSTREAM}", model: stream-4}
            """.formatted(file), Map.of("UPSTREAM", upstream.baseUrl(), "OPTED_IN", OPTED_IN_KEY, "PRIVATE", PRIVATE_KEY))) {
      String[] asChatty = {"authorization", "Bearer " + OPTED_IN_KEY};
      String[] asDiscreet = {"authorization", "Bearer " + PRIVATE_KEY};
      String chattyId = sluice.chat("m", LEAKY_PROMPT, asChatty).header("x-sluice-request-id");
      TestGateway.Response stream = sluice.post("/v1/chat/completions",
          TestGateway.chatBody("streamed", "stream to bob@example.org please", true), asChatty);
      String streamedText = TestGateway.streamedContent(stream.events());
      sluice.chat("nope", "an unknown model, by ops@example.com", asChatty);
      sluice.chat("m", "confidential question " + LEAKY_PROMPT, asDiscreet);
      sluice.post("/v1/chat/completions", TestGateway.chatBody("streamed", "confidential stream", true), asDiscreet);

      List<String> lines = awaitLines(file, 8);
      List<JsonNode> content = lines.stream().map(TestGateway::parse)
          .filter(l -> l.path("type").asText().equals("content")).toList();
      assertThat(lines).hasSize(8);
      assertThat(content).hasSize(3).allSatisfy(l -> assertThat(l.get("tenant").asText()).isEqualTo("chatty"));

      JsonNode answered = content.stream().filter(l -> l.get("request_id").asText().equals(chattyId)).findFirst().orElseThrow();
      assertThat(answered.get("model").asText()).isEqualTo("m");
      assertThat(answered.at("/prompt/0/role").asText()).isEqualTo("user");
      assertThat(answered.at("/prompt/0/content").asText())
          .isEqualTo("I am [REDACTED_EMAIL], my key is [REDACTED_SECRET] and password=[REDACTED_SECRET]");
      assertThat(answered.get("completion").asText()).contains("[REDACTED_EMAIL]").doesNotContain("hunter2");

      JsonNode streamedLine = content.stream().filter(l -> l.get("model").asText().equals("streamed")).findFirst().orElseThrow();
      assertThat(streamedLine.at("/prompt/0/content").asText()).isEqualTo("stream to [REDACTED_EMAIL] please");
      assertThat(streamedText).contains("bob@example.org");
      assertThat(streamedLine.get("completion").asText()).isEqualTo(streamedText.replace("bob@example.org", "[REDACTED_EMAIL]"));

      JsonNode refused = content.stream().filter(l -> l.has("error_code")).findFirst().orElseThrow();
      assertThat(refused.get("error_code").asText()).isEqualTo("model_not_found");
      assertThat(refused.at("/prompt/0/content").asText()).isEqualTo("an unknown model, by [REDACTED_EMAIL]");

      String all = String.join("\n", lines);
      assertThat(all).doesNotContain("confidential").doesNotContain("example.com").doesNotContain("hunter2")
          .doesNotContain("sk-proj-");
    }
  }

  @Test
  void optingInWithoutAnAccessLogIsAConfigErrorNamingTheKeyAndLine() {
    assertThatThrownBy(() -> TestGateway.config("""
        tenants:
          - name: chatty
            log_content: true
        models:
          - name: m
            deployments: [{provider: openai, base_url: "http://127.0.0.1:1/v1"}]
        """, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("line 5")
        .hasMessageContaining("tenants[0].log_content")
        .hasMessageContaining("access_log");
  }

  private static List<String> awaitLines(Path file, int count) throws Exception {
    List<String> lines = List.of();
    for (int i = 0; i < 100 && lines.size() < count; i++) {
      Thread.sleep(50);
      lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
    }
    return lines;
  }
}
