package dev.sluice.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Secrets from the config never reach a log line or a response, even when things go wrong. */
class SecretsTest {

  @Test
  void upstreamKeysAndTheAdminKeyStayOutOfLogsAndResponses() {
    PrintStream originalErr = System.err;
    PrintStream originalOut = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
    StringBuilder responses = new StringBuilder();
    try (FakeUpstream upstream = FakeUpstream.start()) {
      System.setErr(capture);
      System.setOut(capture);
      try (TestGateway sluice = TestGateway.start("""
          admin_key: ${ADMIN}
          retry: {max_retries: 1, initial_backoff: 1ms}
          models:
            - name: m
              deployments:
                - {provider: openai, base_url: "${UPSTREAM}", api_key: "${KEY}", model: error-500}
                - {provider: openai, base_url: "${UPSTREAM}", api_key: "${KEY}", model: malformed}
                - {provider: openai, base_url: "http://127.0.0.1:1/v1", api_key: "${KEY}", model: ok}
          """, Map.of("ADMIN", "sk-admin-hush", "KEY", "sk-upstream-hush", "UPSTREAM", upstream.baseUrl()))) {
        String auth = "Bearer sk-admin-hush";
        responses.append(sluice.chat("m", "hi", "authorization", auth).body());
        responses.append(sluice.post("/v1/chat/completions", TestGateway.chatBody("m", "s", true), "authorization", auth).body());
        responses.append(sluice.chat("m", "hi", "authorization", "Bearer sk-wrong-guess").body());
        responses.append(sluice.get("/admin/config", "authorization", auth).body());
        responses.append(sluice.get("/admin/deployments", "authorization", auth).body());
      }
    } finally {
      System.setErr(originalErr);
      System.setOut(originalOut);
    }
    String logs = captured.toString(StandardCharsets.UTF_8);
    assertThat(logs).as("the failures were logged").contains("failed");
    assertThat(logs + responses).doesNotContain("hush").doesNotContain("sk-wrong-guess");
  }
}
