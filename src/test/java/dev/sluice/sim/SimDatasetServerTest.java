package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.sim.content.Dataset;
import dev.sluice.sim.profile.ProfileLoader;
import dev.sluice.sim.server.SimOptions;
import dev.sluice.sim.server.SimServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dataset mode end to end: a strong and a weak emulated model answer a workload with known
 * per-model correctness, and each answers correctly exactly where the data says it did.
 */
class SimDatasetServerTest {
  private static final Path ROUTELLM = Path.of("../shared/data/routing/routellm/mmlu/mmlu_anatomy.csv");

  @Test
  void eachModelIsCorrectExactlyWhereTheDataSays(@TempDir Path dir) throws IOException {
    Path csv = dir.resolve("quiz.csv");
    Files.writeString(csv, """
        prompt,weak,strong
        "Capital of France?
        A. Paris
        B. Rome
        Answer:",True,True
        "2+2?
        A. 3
        B. 4
        Answer:",False,True
        "Largest planet?
        A. Jupiter
        B. Mars
        Answer:",False,False
        "2+2?
        A. 3
        B. 4
        Answer:",True,True
        """);
    try (SimServer strong = start("api-frontier", csv, "strong"); SimServer weak = start("api-mini", csv, "weak")) {
      SimHttp s = new SimHttp(strong.port());
      SimHttp w = new SimHttp(weak.port());
      assertThat(correct(s, "gpt-4o", "2+2?\nA. 3\nB. 4\nAnswer:", null)).isEqualTo("true");
      // The same prompt appears twice: by prompt, the first row wins; by id, each row answers for itself.
      assertThat(correct(w, "gpt-4o-mini", "2+2?\nA. 3\nB. 4\nAnswer:", null)).isEqualTo("false");
      assertThat(correct(w, "gpt-4o-mini", "anything", "quiz:4")).isEqualTo("true");
      assertThat(correct(s, "gpt-4o", "anything", "quiz:3")).isEqualTo("false");
      SimHttp.Response missing = w.post("/v1/chat/completions", SimHttp.chat("gpt-4o-mini", "not in the data").toString());
      assertThat(missing.status()).isEqualTo(400);
      assertThat(missing.json().at("/error/code").asText()).isEqualTo("dataset_row_not_found");
    }
  }

  @Test
  void theRouteLlmDataIsServedWithItsPublishedAccuracies() {
    Assumptions.assumeTrue(Files.isRegularFile(ROUTELLM), "RouteLLM data not found at " + ROUTELLM);
    // shared/data/routing/routellm/README.md: on anatomy, GPT-4 is correct on 0.815 of 135 prompts, Mixtral on 0.659.
    try (SimServer gpt4 = start("api-frontier", ROUTELLM, "gpt-4-1106-preview");
        SimServer mixtral = start("api-mini", ROUTELLM, "mistralai/Mixtral-8x7B-Instruct-v0.1")) {
      assertThat(countCorrect(new SimHttp(gpt4.port()), "gpt-4o", 135)).isEqualTo(110);
      assertThat(countCorrect(new SimHttp(mixtral.port()), "gpt-4o-mini", 135)).isEqualTo(89);
    }
  }

  private static int countCorrect(SimHttp http, String model, int rows) {
    int correct = 0;
    for (int i = 1; i <= rows; i++) {
      SimHttp.Response r = http.post("/v1/chat/completions", SimHttp.chat(model, "?").toString(), "X-Sluice-Sim-Row", "mmlu_anatomy:" + i);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().at("/usage/completion_tokens").asInt()).isEqualTo(1);
      if (r.header("X-Sluice-Sim-Correct").equals("true")) correct++;
    }
    return correct;
  }

  private static SimServer start(String profile, Path data, String column) {
    SimOptions options = SimOptions.defaults().withSpeedup(1000).withDataset(Dataset.load(List.of(data), column, null));
    // No background errors or rate limits in the way of an accuracy count.
    return SimServer.start(ProfileLoader.load(profile).withPerformance(unlimited(ProfileLoader.load(profile))), options);
  }

  private static dev.sluice.sim.profile.Profile.Performance unlimited(dev.sluice.sim.profile.Profile p) {
    var a = ((dev.sluice.sim.profile.Profile.Performance.Api) p.performance()).spec();
    return new dev.sluice.sim.profile.Profile.Performance.Api(new dev.sluice.sim.model.ApiSpec(a.ttftMedianMs(), a.ttftSigma(),
        a.promptTokensPerSecond(), a.outputTokensPerSecond(), 0, 0, 0, a.maxContextTokens(), a.promptCache()));
  }

  private static String correct(SimHttp http, String model, String prompt, String row) {
    ObjectNode body = SimHttp.chat(model, prompt);
    SimHttp.Response r = row == null ? http.post("/v1/chat/completions", body.toString())
        : http.post("/v1/chat/completions", body.toString(), "X-Sluice-Sim-Row", row);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.header("X-Sluice-Sim-Correct");
  }
}
