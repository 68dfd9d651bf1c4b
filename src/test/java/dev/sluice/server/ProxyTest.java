package dev.sluice.server;

import static dev.sluice.testing.TestGateway.parse;
import static dev.sluice.testing.TestGateway.streamedContent;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A client calling Sluice sees what the upstream answered, with unknown fields kept both ways. */
class ProxyTest {
  static FakeUpstream upstream;
  static TestGateway sluice;

  @BeforeAll
  static void start() {
    upstream = FakeUpstream.start();
    sluice = TestGateway.start("""
        models:
          - name: chat-small
            deployments:
              - provider: openai
                base_url: ${UPSTREAM}
                api_key: upstream-secret
                model: ok
          - name: tools-model
            deployments:
              - provider: openai
                base_url: ${UPSTREAM}
                model: tools
          - name: embed
            deployments:
              - provider: openai
                base_url: ${UPSTREAM}
                model: ok
        """, upstream);
  }

  @AfterAll
  static void stop() {
    sluice.close();
    upstream.close();
  }

  @BeforeEach
  void clear() {
    upstream.reset();
  }

  @Test
  void nonStreamingCallReturnsTheUpstreamAnswerWithRouteAndRequestIdHeaders() {
    TestGateway.Response r = sluice.chat("chat-small", "hello");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().at("/choices/0/message/content").asText()).isEqualTo("echo: hello");
    assertThat(r.json().at("/usage/total_tokens").asInt()).isEqualTo(17);
    assertThat(r.header("x-sluice-route")).isEqualTo("chat-small/openai-1");
    assertThat(r.header("x-sluice-request-id")).startsWith("req_");
  }

  @Test
  void unknownFieldsPassThroughInBothDirections() {
    ObjectNode body = (ObjectNode) Json.MAPPER.valueToTree(java.util.Map.of(
        "model", "chat-small",
        "messages", java.util.List.of(java.util.Map.of("role", "user", "content", "hi", "x_message_extra", 1)),
        "x_vendor_option", java.util.Map.of("beam", 4),
        "seed", 7, "n", 2, "logprobs", true, "top_logprobs", 3, "stop", java.util.List.of("END"),
        "response_format", java.util.Map.of("type", "json_object")));

    TestGateway.Response r = sluice.post("/v1/chat/completions", body.toString());

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("x_upstream_extra").asText()).isEqualTo("kept");
    ObjectNode sent = upstream.requests().getFirst().body();
    assertThat(sent.get("model").asText()).isEqualTo("ok");
    assertThat(sent.get("x_vendor_option")).isEqualTo(body.get("x_vendor_option"));
    assertThat(sent.at("/messages/0/x_message_extra").asInt()).isEqualTo(1);
    for (String f : new String[] {"seed", "n", "logprobs", "top_logprobs", "stop", "response_format"}) {
      assertThat(sent.get(f)).as(f).isEqualTo(body.get(f));
    }
  }

  @Test
  void upstreamReceivesTheDeploymentKeyNotTheClientOne() {
    sluice.chat("chat-small", "hi", "authorization", "Bearer client-key");

    assertThat(upstream.requests().getFirst().headers().get("authorization")).isEqualTo("Bearer upstream-secret");
  }

  @Test
  void deploymentWithoutKeySendsNoAuthorizationHeader() {
    sluice.chat("tools-model", "hi");

    assertThat(upstream.requests().getFirst().headers().get("authorization")).isNull();
  }

  @Test
  void streamingWithIncludeUsageEndsWithTheUsageChunkThenDone() {
    ObjectNode body = Json.MAPPER.createObjectNode().put("model", "chat-small").put("stream", true);
    body.putArray("messages").addObject().put("role", "user").put("content", "stream me");
    body.putObject("stream_options").put("include_usage", true);

    TestGateway.Response r = sluice.post("/v1/chat/completions", body.toString());

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).startsWith("text/event-stream");
    assertThat(r.header("x-sluice-route")).isEqualTo("chat-small/openai-1");
    var events = r.events();
    assertThat(events.getLast()).isEqualTo("[DONE]");
    JsonNode usageChunk = parse(events.get(events.size() - 2));
    assertThat(usageChunk.get("choices")).isEmpty();
    assertThat(usageChunk.at("/usage/prompt_tokens").asInt()).isEqualTo(12);
    assertThat(streamedContent(events)).isEqualTo("echo: stream me");
  }

  @Test
  void streamingWithoutIncludeUsageStillMetersUpstreamButHidesTheUsageChunk() {
    TestGateway.Response r = sluice.post("/v1/chat/completions", TestGateway.chatBody("chat-small", "quiet", true));

    var events = r.events();
    assertThat(events.getLast()).isEqualTo("[DONE]");
    for (String e : events.subList(0, events.size() - 1)) {
      assertThat(parse(e).get("choices")).isNotEmpty();
    }
    assertThat(streamedContent(events)).isEqualTo("echo: quiet");
    assertThat(upstream.requests().getFirst().body().at("/stream_options/include_usage").asBoolean()).isTrue();
  }

  @Test
  void toolCallsPassThroughStreamingAndNot() {
    ObjectNode body = Json.MAPPER.createObjectNode().put("model", "tools-model");
    body.putArray("messages").addObject().put("role", "user").put("content", "weather?");
    ObjectNode tool = body.putArray("tools").addObject().put("type", "function");
    tool.putObject("function").put("name", "get_weather").putObject("parameters").put("type", "object");
    body.put("tool_choice", "auto").put("parallel_tool_calls", true);

    TestGateway.Response r = sluice.post("/v1/chat/completions", body.toString());
    assertThat(r.json().at("/choices/0/message/tool_calls")).hasSize(2);
    assertThat(r.json().at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(upstream.requests().getFirst().body().get("tools")).isEqualTo(body.get("tools"));

    body.put("stream", true);
    TestGateway.Response s = sluice.post("/v1/chat/completions", body.toString());
    assertThat(s.body()).contains("\"index\":1,\"id\":\"call_1\"");
    assertThat(s.events().getLast()).isEqualTo("[DONE]");
  }

  @Test
  void embeddingsAreProxied() {
    TestGateway.Response r = sluice.post("/v1/embeddings", "{\"model\":\"embed\",\"input\":[\"a\",\"b\"]}");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("data")).hasSize(2);
    assertThat(upstream.requests().getFirst().path()).isEqualTo("/v1/embeddings");
  }

  @Test
  void modelsListsTheConfiguredNames() {
    TestGateway.Response r = sluice.get("/v1/models");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.json().get("object").asText()).isEqualTo("list");
    assertThat(r.json().get("data").findValuesAsText("id")).containsExactly("chat-small", "tools-model", "embed");
    assertThat(sluice.get("/v1/models/chat-small").json().get("id").asText()).isEqualTo("chat-small");
  }

  @Test
  void healthAndReadiness() {
    assertThat(sluice.get("/healthz").status()).isEqualTo(200);
    TestGateway.Response ready = sluice.get("/readyz");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.json().get("status").asText()).isEqualTo("ready");
  }
}
