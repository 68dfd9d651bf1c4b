package dev.sluice.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import dev.sluice.testing.TestGateway.Response;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** A request waits for an identical one in flight only so long, then calls the upstream itself. */
class JoinTimeoutTest {

  @Test
  void aFollowerThatWaitedLongerThanTheJoinTimeoutCallsTheUpstreamItself() throws Exception {
    try (FakeUpstream upstream = FakeUpstream.start();
        TestGateway gateway = TestGateway.start("""
            cache_join_timeout: 300ms
            models:
              - name: m
                cache: {exact: always}
                deployments: [{provider: openai, base_url: "${UPSTREAM}", model: slow-2000}]
            """, upstream);
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<Response> leader = pool.submit(() -> gateway.chat("m", "patience"));
      Thread.sleep(200);
      long asked = System.nanoTime();
      Response follower = gateway.chat("m", "patience");
      long waitedMs = (System.nanoTime() - asked) / 1_000_000;

      assertThat(leader.get().header("X-Sluice-Cache")).isEqualTo("miss");
      assertThat(follower.status()).isEqualTo(200);
      assertThat(follower.header("X-Sluice-Cache")).isEqualTo("miss");
      assertThat(follower.json().at("/choices/0/message/content").asText()).isEqualTo("echo: patience");
      assertThat(upstream.count("slow-2000")).isEqualTo(2);
      assertThat(waitedMs).isGreaterThanOrEqualTo(2_300); // 300 ms of waiting, then its own 2 s call
    }
  }
}
