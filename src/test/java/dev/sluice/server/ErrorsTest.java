package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad requests get a clear OpenAI-format error with the right status; nothing reaches the upstream. */
class ErrorsTest {
  static FakeUpstream upstream;
  static TestGateway sluice;
  static final String MODELS = """
      models:
        - name: chat-small
          deployments:
            - provider: openai
              base_url: ${UPSTREAM}
              model: ok
      """;

  @BeforeAll
  static void start() {
    upstream = FakeUpstream.start();
    sluice = TestGateway.start("max_request_body: 64KiB\n" + MODELS, upstream);
  }

  @AfterAll
  static void stop() {
    sluice.close();
    upstream.close();
  }

  private static void assertOpenAiError(TestGateway.Response r, int status, String type) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.header("content-type")).startsWith("application/json");
    assertThat(r.json().fieldNames()).toIterable().containsExactly("error");
    assertThat(r.error().fieldNames()).toIterable().containsExactlyInAnyOrder("message", "type", "param", "code");
    assertThat(r.error().get("type").asText()).isEqualTo(type);
    assertThat(r.error().get("message").asText()).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void malformedJsonIs400WithWhereItBroke() {
    TestGateway.Response r = sluice.post("/v1/chat/completions", "{\"model\": \"chat-small\", \"messages\": [");

    assertOpenAiError(r, 400, "invalid_request_error");
    assertThat(r.error().get("code").asText()).isEqualTo("invalid_json");
    assertThat(r.error().get("message").asText())
        .matches("The request body is not valid JSON, line 1, column \\d+: Unexpected end-of-input: expected close "
            + "marker for Array \\(start marker at line 1, column \\d+\\)")
        .doesNotContain("Source").doesNotContain("REDACTED");
    assertThat(upstream.requests()).isEmpty();
  }

  @Test
  void aBrokenAdminBodyIsReportedTheSameWay() {
    try (TestGateway admin = TestGateway.start("admin_key: ${K}\n" + MODELS,
        java.util.Map.of("K", "sk-admin-errors", "UPSTREAM", upstream.baseUrl()))) {
      TestGateway.Response r = admin.post("/admin/tenants", "{\"name\": \"acme\",}", "authorization",
          "Bearer sk-admin-errors");

      assertOpenAiError(r, 400, "invalid_request_error");
      assertThat(r.error().get("code").asText()).isEqualTo("invalid_json");
      assertThat(r.error().get("message").asText())
          .startsWith("The request body is not valid JSON, line 1, column ")
          .doesNotContain("Source").doesNotContain("REDACTED").doesNotContain("acme");
      TestGateway.Response tenants = admin.get("/admin/tenants", "authorization", "Bearer sk-admin-errors");
      assertThat(tenants.status()).isEqualTo(200);
      assertThat(tenants.body()).contains("default").doesNotContain("acme");
    }
  }

  @Test
  void aJsonArrayIsNotARequest() {
    assertOpenAiError(sluice.post("/v1/chat/completions", "[1,2]"), 400, "invalid_request_error");
  }

  @Test
  void emptyBodyIs400() {
    assertOpenAiError(sluice.post("/v1/chat/completions", ""), 400, "invalid_request_error");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "missing model        | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}                                   | model",
      "model not a string   | {\"model\":42,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}                      | model",
      "missing messages     | {\"model\":\"chat-small\"}                                                                | messages",
      "messages not array   | {\"model\":\"chat-small\",\"messages\":\"hi\"}                                            | messages",
      "empty messages       | {\"model\":\"chat-small\",\"messages\":[]}                                                | messages",
      "message without role | {\"model\":\"chat-small\",\"messages\":[{\"content\":\"hi\"}]}                            | messages[0].role",
      "stream not boolean   | {\"model\":\"chat-small\",\"stream\":\"yes\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | stream",
      "max_tokens string    | {\"model\":\"chat-small\",\"max_tokens\":\"10\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | max_tokens",
      "max_tokens zero      | {\"model\":\"chat-small\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | max_tokens",
      "temperature too high | {\"model\":\"chat-small\",\"temperature\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | temperature",
      "n not integer        | {\"model\":\"chat-small\",\"n\":1.5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | n",
      "tools not array      | {\"model\":\"chat-small\",\"tools\":{},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | tools",
      "stop wrong type      | {\"model\":\"chat-small\",\"stop\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} | stop",
  })
  void wrongFieldTypesAre400NamingTheParam(String name, String body, String param) {
    TestGateway.Response r = sluice.post("/v1/chat/completions", body);

    assertOpenAiError(r, 400, "invalid_request_error");
    assertThat(r.error().get("param").asText()).isEqualTo(param);
  }

  @Test
  void embeddingsInputIsChecked() {
    TestGateway.Response r = sluice.post("/v1/embeddings", "{\"model\":\"chat-small\",\"input\":{\"a\":1}}");

    assertOpenAiError(r, 400, "invalid_request_error");
    assertThat(r.error().get("param").asText()).isEqualTo("input");
  }

  @Test
  void unknownModelIs404ListingTheConfiguredOnes() {
    TestGateway.Response r = sluice.chat("gpt-nope", "hi");

    assertOpenAiError(r, 404, "invalid_request_error");
    assertThat(r.error().get("code").asText()).isEqualTo("model_not_found");
    assertThat(r.error().get("message").asText()).contains("gpt-nope").contains("chat-small");
  }

  @Test
  void bodyOverTheLimitIs413() {
    String big = "{\"model\":\"chat-small\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(70_000) + "\"}]}";

    TestGateway.Response r = sluice.post("/v1/chat/completions", big);

    assertOpenAiError(r, 413, "invalid_request_error");
    assertThat(r.error().get("message").asText()).contains("65536");
  }

  @Test
  void chunkedBodyOverTheLimitIs413Too() throws Exception {
    try (Socket s = new Socket("127.0.0.1", sluice.port())) {
      var out = s.getOutputStream();
      out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      byte[] piece = "x".repeat(8192).getBytes(StandardCharsets.US_ASCII);
      try {
        for (int i = 0; i < 10; i++) {
          out.write((Integer.toHexString(piece.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(piece);
          out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
      } catch (java.io.IOException closedEarly) {
        // Sluice may close the connection as soon as it has answered
      }
      s.setSoTimeout(5000);
      String head = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      assertThat(head).isEqualTo("HTTP/1.1 413");
    }
  }

  @Test
  void invalidUtf8Is400() {
    byte[] prefix = "{\"model\":\"chat-small\",\"messages\":[{\"role\":\"user\",\"content\":\"".getBytes(StandardCharsets.UTF_8);
    byte[] suffix = "\"}]}".getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[prefix.length + 2 + suffix.length];
    System.arraycopy(prefix, 0, body, 0, prefix.length);
    body[prefix.length] = (byte) 0xC3;
    body[prefix.length + 1] = (byte) 0x28; // not a continuation byte
    System.arraycopy(suffix, 0, body, prefix.length + 2, suffix.length);

    TestGateway.Response r = sluice.postBytes("/v1/chat/completions", body);

    assertOpenAiError(r, 400, "invalid_request_error");
    assertThat(r.error().get("code").asText()).isEqualTo("invalid_utf8");
  }

  @Test
  void unsupportedEndpointIs404() {
    TestGateway.Response r = sluice.post("/v1/images/generations", "{}");

    assertOpenAiError(r, 404, "invalid_request_error");
    assertThat(r.error().get("message").asText()).contains("/v1/images/generations");
  }

  @Test
  void wrongMethodIs405WithAllow() {
    TestGateway.Response r = sluice.get("/v1/chat/completions");

    assertOpenAiError(r, 405, "invalid_request_error");
    assertThat(r.header("allow")).isEqualTo("POST");
  }
}
