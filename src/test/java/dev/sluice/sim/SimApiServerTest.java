package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.sim.model.ApiSpec;
import dev.sluice.sim.profile.Profile;
import dev.sluice.sim.profile.ProfileLoader;
import dev.sluice.sim.server.SimOptions;
import dev.sluice.sim.server.SimServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A cloud-API profile over HTTP: 429 with Retry-After at the configured limit, then admission after the wait. */
class SimApiServerTest {

  @Test
  void requestsBeyondTheRpmLimitGet429WithAnHonestRetryAfter() throws InterruptedException {
    Profile mini = ProfileLoader.load("api-mini");
    ApiSpec a = ((Profile.Performance.Api) mini.performance()).spec();
    Profile limited = mini.withPerformance(new Profile.Performance.Api(new ApiSpec(a.ttftMedianMs(), a.ttftSigma(),
        a.promptTokensPerSecond(), a.outputTokensPerSecond(), 5, 0, 0, a.maxContextTokens(), a.promptCache())));
    // 60 emulated seconds take 1 wall second.
    try (SimServer sim = SimServer.start(limited, SimOptions.defaults().withSpeedup(60))) {
      SimHttp http = new SimHttp(sim.port());
      String body = SimHttp.chat("gpt-4o-mini", "hi").put("max_tokens", 3).toString();
      List<SimHttp.Response> responses = new ArrayList<>();
      for (int i = 0; i < 8; i++) responses.add(http.post("/v1/chat/completions", body));
      assertThat(responses.stream().filter(r -> r.status() == 200)).hasSize(5);
      List<SimHttp.Response> refused = responses.stream().filter(r -> r.status() == 429).toList();
      assertThat(refused).hasSize(3);
      long waitMs = 0;
      for (SimHttp.Response r : refused) {
        assertThat(r.json().at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(r.json().at("/error/type").asText()).isEqualTo("requests");
        assertThat(r.header("retry-after")).isEqualTo("1");
        waitMs = Long.parseLong(r.header("retry-after-ms"));
        assertThat(waitMs).isBetween(1L, 1000L);
      }
      Thread.sleep(waitMs + 50);
      assertThat(http.post("/v1/chat/completions", body).status()).isEqualTo(200);
      assertThat(sim.stats().rejected()).isEqualTo(3);
      assertThat(http.get("/metrics").body()).contains("sluice_sim_requests_rejected_total{reason=\"rate_limited\"");
    }
  }
}
