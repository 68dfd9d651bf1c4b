package dev.sluice.cascade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.sim.content.Dataset;
import dev.sluice.sim.profile.ProfileLoader;
import dev.sluice.sim.server.SimOptions;
import dev.sluice.sim.server.SimServer;
import dev.sluice.testing.TestGateway;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's path end to end: one labelled data file trains the router and feeds two emulators in
 * dataset mode (the cheap one answers as the data's cheap model did, the strong one as its strong
 * model did), behind a cascade model on a real gateway.
 */
class CascadeEmulatorTest {
  @TempDir
  Path dir;

  @Test
  void aCascadeOfTwoEmulatorsInDatasetModeRoutesEachPromptOfTheData() throws Exception {
    Path data = CascadeTest.labelledData(dir.resolve("mmlu_demo.csv"));
    Path router = CascadeTest.trainRouter(data, dir.resolve("router.json"));

    try (SimServer cheap = emulator("api-mini", data, RoutingData.CHEAP_COLUMN);
        SimServer strong = emulator("api-frontier", data, RoutingData.STRONG_COLUMN);
        TestGateway sluice = TestGateway.start("""
            models:
              - name: chat-small
                deployments: [{id: mini, provider: openai, base_url: "${CHEAP}", model: gpt-4o-mini}]
              - name: chat-large
                deployments: [{id: frontier, provider: openai, base_url: "${STRONG}", model: gpt-4o}]
              - name: chat
                cascade: {cheap: chat-small, strong: chat-large, router: "%s", threshold: 0.5}
            """.formatted(router), Map.of("CHEAP", cheap.baseUrl(), "STRONG", strong.baseUrl()))) {
      TestGateway.Response easy = sluice.chat("chat", CascadeTest.EASY.get(2));
      assertThat(easy.status()).as(easy.body()).isEqualTo(200);
      assertThat(easy.header("x-sluice-route")).isEqualTo("chat-small/mini");
      assertThat(easy.header("x-sluice-route-score")).isNotNull();
      assertThat(easy.json().at("/choices/0/message/content").asText()).isNotEmpty();

      // A bound on the answer keeps the request within the emulated API's tokens-per-minute limit.
      var body = (com.fasterxml.jackson.databind.node.ObjectNode) TestGateway.parse(
          TestGateway.chatBody("chat", CascadeTest.HARD.get(3), true));
      TestGateway.Response hard = sluice.post("/v1/chat/completions", body.put("max_tokens", 16).toString());
      assertThat(hard.status()).as(hard.body()).isEqualTo(200);
      assertThat(hard.header("x-sluice-route")).isEqualTo("chat-large/frontier");
      assertThat(TestGateway.streamedContent(hard.events())).isNotEmpty();
    }
  }

  private static SimServer emulator(String profile, Path data, String column) {
    SimOptions options = SimOptions.defaults().withSpeedup(1000).withDataset(Dataset.load(List.of(data), column, null));
    return SimServer.start(ProfileLoader.load(profile), options);
  }
}
