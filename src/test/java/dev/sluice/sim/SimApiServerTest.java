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

/**
 * Limits and faults over HTTP: an API profile's 429 with Retry-After at the configured limit, then
 * admission after the wait; injected faults at their configured rates.
 */
class SimApiServerTest {

  @Test
  void injectedFaultsHappenAtTheConfiguredRatesOverHttp() {
    dev.sluice.sim.fault.FaultSpec rates = new dev.sluice.sim.fault.FaultSpec(0.10, 0.05, 0, 0, 0, 0, 0, 0, 1, List.of());
    try (SimServer sim = SimServer.start(ProfileLoader.load("h100-vllm-llama3-8b"), SimOptions.defaults().withSpeedup(1000).withFaults(rates))) {
      SimHttp http = new SimHttp(sim.port());
      String body = SimHttp.chat("meta-llama/Meta-Llama-3-8B-Instruct", "hi").put("max_tokens", 1).toString();
      int n = 600;
      int e500 = 0;
      int e429 = 0;
      for (int i = 0; i < n; i++) {
        int status = http.post("/v1/chat/completions", body).status();
        if (status == 500) e500++;
        if (status == 429) e429++;
      }
      assertThat((double) e500).isBetween(n * 0.10 - 4.5 * Math.sqrt(n * 0.10 * 0.90), n * 0.10 + 4.5 * Math.sqrt(n * 0.10 * 0.90));
      assertThat((double) e429).isBetween(n * 0.05 - 4.5 * Math.sqrt(n * 0.05 * 0.95), n * 0.05 + 4.5 * Math.sqrt(n * 0.05 * 0.95));
      // Deterministic: the same seed and order of requests give the same faults.
      try (SimServer again = SimServer.start(ProfileLoader.load("h100-vllm-llama3-8b"), SimOptions.defaults().withSpeedup(1000).withFaults(rates))) {
        SimHttp h2 = new SimHttp(again.port());
        int a500 = 0;
        for (int i = 0; i < n; i++) {
          if (h2.post("/v1/chat/completions", body).status() == 500) a500++;
        }
        assertThat(a500).isEqualTo(e500);
      }
    }
  }

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
