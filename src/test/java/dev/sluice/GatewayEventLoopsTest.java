package dev.sluice;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sluice serves from every event loop it has: one HTTP server on each, never two on one. */
class GatewayEventLoopsTest {
  static FakeUpstream upstream;

  @BeforeAll
  static void start() {
    upstream = FakeUpstream.start();
  }

  @AfterAll
  static void stop() {
    upstream.close();
  }

  @Test
  void eachServerRunsOnItsOwnEventLoopAtEveryStart() {
    int cores = Runtime.getRuntime().availableProcessors();
    // Placement used to depend on a race at startup; several starts make a regression show.
    for (int start = 0; start < 4; start++) {
      try (TestGateway sluice = TestGateway.start("""
          models:
            - name: chat-small
              deployments:
                - provider: openai
                  base_url: ${UPSTREAM}
                  model: ok
          """, upstream)) {
        List<String> threads = sluice.gateway().serverThreads();
        assertThat(threads).hasSize(cores);
        assertThat(new HashSet<>(threads)).as("event loops of the servers at start %d", start).hasSize(cores);
        assertThat(sluice.chat("chat-small", "hello").status()).isEqualTo(200);
      }
    }
  }
}
