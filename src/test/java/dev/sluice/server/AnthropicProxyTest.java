package dev.sluice.server;

import static dev.sluice.testing.TestGateway.parse;
import static dev.sluice.testing.TestGateway.streamedContent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.sluice.api.Json;
import dev.sluice.testing.FakeAnthropic;
import dev.sluice.testing.TestGateway;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An OpenAI client calling Sluice in front of the Anthropic Messages API sees OpenAI answers. */
class AnthropicProxyTest {
  static FakeAnthropic anthropic;
  static TestGateway sluice;

  @BeforeAll
  static void start() {
    anthropic = FakeAnthropic.start();
    StringBuilder yaml = new StringBuilder("""
        retry:
          max_retries: 1
          initial_backoff: 5ms
          max_backoff: 20ms
        models:
          - name: claude
            deployments:
              - provider: anthropic
                base_url: ${ANTHROPIC}
                api_key: sk-ant-secret
                model: ok
          - name: claude-keyless
            deployments:
              - provider: anthropic
                base_url: ${ANTHROPIC}/v1
                api_key: ""
                model: ok
                headers:
                  anthropic-beta: test-beta
        """);
    for (String upstream : List.of("tools", "cache", "error-429", "error-529", "error-500", "error-400",
        "overloaded-mid-stream", "error-event")) {
      yaml.append("""
            - name: claude-%s
              deployments:
                - provider: anthropic
                  base_url: ${ANTHROPIC}
                  api_key: sk-ant-secret
                  model: %s
          """.formatted(upstream, upstream));
    }
    sluice = TestGateway.start(yaml.toString(), Map.of("ANTHROPIC", anthropic.baseUrl()));
  }

  @AfterAll
  static void stop() {
    sluice.close();
    anthropic.close();
  }

  @BeforeEach
  void clear() {
    anthropic.reset();
  }

  @Test
  void aChatIsTranslatedToTheMessagesApiAndAnsweredAsAChatCompletion() {
    ObjectNode body = chat("claude", "hello");
    body.withArray("messages").insertObject(0).put("role", "system").put("content", "Be brief.");
    body.put("max_tokens", 64).put("stop", "END").put("user", "u-1");

    TestGateway.Response r = sluice.post("/v1/chat/completions", body.toString(), "authorization", "Bearer client-key");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-sluice-route")).isEqualTo("claude/anthropic-1");
    ObjectNode answer = r.json();
    assertThat(answer.get("object").asText()).isEqualTo("chat.completion");
    assertThat(answer.at("/choices/0/message/role").asText()).isEqualTo("assistant");
    assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo("echo: hello");
    assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(12);
    assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(5);
    assertThat(answer.at("/usage/total_tokens").asInt()).isEqualTo(17);
    assertThat(answer.get("created").asLong()).isPositive();

    FakeAnthropic.Recorded sent = anthropic.requests().getFirst();
    assertThat(sent.path()).isEqualTo("/v1/messages");
    assertThat(sent.headers().get("x-api-key")).isEqualTo("sk-ant-secret");
    assertThat(sent.headers().get("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(sent.headers().get("authorization")).isNull();
    assertThat(sent.body().get("model").asText()).isEqualTo("ok");
    assertThat(sent.body().get("system").asText()).isEqualTo("Be brief.");
    assertThat(sent.body().get("max_tokens").asInt()).isEqualTo(64);
    assertThat(sent.body().get("stop_sequences")).containsExactly(Json.MAPPER.getNodeFactory().textNode("END"));
    assertThat(sent.body().at("/metadata/user_id").asText()).isEqualTo("u-1");
    assertThat(sent.body().at("/messages/0/content/0/text").asText()).isEqualTo("hello");
    assertThat(sent.body().has("stream")).isFalse();
  }

  @Test
  void anEmptyKeySendsNoApiKeyAndDeploymentHeadersAreAdded() {
    TestGateway.Response r = sluice.post("/v1/chat/completions", chat("claude-keyless", "hi").toString());

    assertThat(r.status()).isEqualTo(200);
    FakeAnthropic.Recorded sent = anthropic.requests().getFirst();
    assertThat(sent.path()).isEqualTo("/v1/messages");
    assertThat(sent.headers().get("x-api-key")).isNull();
    assertThat(sent.headers().get("anthropic-beta")).isEqualTo("test-beta");
  }

  @Test
  void cacheReadsAndWritesAppearInTheUsage() {
    JsonNode usage = sluice.post("/v1/chat/completions", chat("claude-cache", "hi").toString()).json().get("usage");

    assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(3210);
    assertThat(usage.at("/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(3000);
    assertThat(usage.get("cache_read_input_tokens").asInt()).isEqualTo(3000);
    assertThat(usage.get("cache_creation_input_tokens").asInt()).isEqualTo(200);
  }

  @Test
  void streamingWithIncludeUsageEndsWithTheUsageChunkThenDone() {
    ObjectNode body = chat("claude-cache", "stream me").put("stream", true);
    body.putObject("stream_options").put("include_usage", true);

    TestGateway.Response r = sluice.post("/v1/chat/completions", body.toString());

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).startsWith("text/event-stream");
    List<String> events = r.events();
    assertThat(events.getLast()).isEqualTo("[DONE]");
    JsonNode first = parse(events.getFirst());
    assertThat(first.get("object").asText()).isEqualTo("chat.completion.chunk");
    assertThat(first.at("/choices/0/delta/role").asText()).isEqualTo("assistant");
    assertThat(streamedContent(events)).isEqualTo("echo: stream me");
    JsonNode finish = parse(events.get(events.size() - 3));
    assertThat(finish.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    JsonNode usage = parse(events.get(events.size() - 2));
    assertThat(usage.get("choices")).isEmpty();
    assertThat(usage.at("/usage/prompt_tokens").asInt()).isEqualTo(3210);
    assertThat(usage.at("/usage/completion_tokens").asInt()).isEqualTo(5);
    assertThat(usage.at("/usage/cache_read_input_tokens").asInt()).isEqualTo(3000);
    assertThat(anthropic.lastBody().get("stream").asBoolean()).isTrue();
  }

  @Test
  void streamingWithoutIncludeUsageHidesTheUsageChunk() {
    TestGateway.Response r = sluice.post("/v1/chat/completions", chat("claude", "quiet").put("stream", true).toString());

    List<String> events = r.events();
    assertThat(events.getLast()).isEqualTo("[DONE]");
    for (String e : events.subList(0, events.size() - 1)) {
      assertThat(parse(e).get("choices")).isNotEmpty();
      assertThat(parse(e).has("usage")).isFalse();
    }
    assertThat(streamedContent(events)).isEqualTo("echo: quiet");
  }

  @Test
  void toolsAndToolCallsAreTranslatedStreamingAndNot() {
    ObjectNode body = chat("claude-tools", "Weather in Paris and Oslo?");
    ObjectNode tool = body.putArray("tools").addObject().put("type", "function");
    tool.putObject("function").put("name", "get_weather").put("description", "Weather now")
        .putObject("parameters").put("type", "object").putObject("properties").putObject("city").put("type", "string");
    body.put("tool_choice", "required").put("parallel_tool_calls", true);

    TestGateway.Response r = sluice.post("/v1/chat/completions", body.toString());

    assertThat(r.status()).isEqualTo(200);
    JsonNode message = r.json().at("/choices/0/message");
    assertThat(message.get("content").asText()).isEqualTo("Checking both.");
    assertThat(message.get("tool_calls")).hasSize(2);
    assertThat(message.at("/tool_calls/1/id").asText()).isEqualTo("toolu_1");
    assertThat(message.at("/tool_calls/1/function/name").asText()).isEqualTo("get_weather");
    assertThat(parse(message.at("/tool_calls/1/function/arguments").asText()).get("city").asText()).isEqualTo("Oslo");
    assertThat(r.json().at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    ObjectNode sent = anthropic.lastBody();
    assertThat(sent.at("/tools/0/name").asText()).isEqualTo("get_weather");
    assertThat(sent.at("/tools/0/input_schema/properties/city/type").asText()).isEqualTo("string");
    assertThat(sent.at("/tool_choice/type").asText()).isEqualTo("any");

    body.put("stream", true);
    TestGateway.Response s = sluice.post("/v1/chat/completions", body.toString());

    List<String> events = s.events();
    assertThat(events.getLast()).isEqualTo("[DONE]");
    StringBuilder[] args = {new StringBuilder(), new StringBuilder()};
    List<String> ids = new ArrayList<>();
    String finishReason = null;
    for (String e : events.subList(0, events.size() - 1)) {
      JsonNode choice = parse(e).at("/choices/0");
      for (JsonNode call : choice.at("/delta/tool_calls")) {
        if (call.has("id")) ids.add(call.get("id").asText());
        args[call.get("index").asInt()].append(call.at("/function/arguments").asText());
      }
      if (choice.hasNonNull("finish_reason")) finishReason = choice.get("finish_reason").asText();
    }
    assertThat(ids).containsExactly("toolu_0", "toolu_1");
    assertThat(parse(args[0].toString()).get("city").asText()).isEqualTo("Paris");
    assertThat(parse(args[1].toString()).get("city").asText()).isEqualTo("Oslo");
    assertThat(finishReason).isEqualTo("tool_calls");
  }

  @Test
  void aToolResultConversationReachesAnthropicAsToolUseAndToolResultBlocks() {
    String body = """
        {"model":"claude","messages":[
          {"role":"user","content":"Weather in Paris?"},
          {"role":"assistant","content":null,"tool_calls":[
            {"id":"toolu_0","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
          {"role":"tool","tool_call_id":"toolu_0","content":"18C and sunny"}]}
        """;

    TestGateway.Response r = sluice.post("/v1/chat/completions", body);

    assertThat(r.status()).isEqualTo(200);
    JsonNode messages = anthropic.lastBody().get("messages");
    assertThat(messages).hasSize(3);
    assertThat(messages.at("/1/content/0/type").asText()).isEqualTo("tool_use");
    assertThat(messages.at("/1/content/0/input/city").asText()).isEqualTo("Paris");
    assertThat(messages.at("/2/role").asText()).isEqualTo("user");
    assertThat(messages.at("/2/content/0/type").asText()).isEqualTo("tool_result");
    assertThat(messages.at("/2/content/0/tool_use_id").asText()).isEqualTo("toolu_0");
  }

  @Test
  void nAboveOneIsRefusedInOpenAiFormatWithoutCallingAnthropic() {
    TestGateway.Response r = sluice.post("/v1/chat/completions", chat("claude", "hi").put("n", 3).toString());

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().get("type").asText()).isEqualTo("invalid_request_error");
    assertThat(r.error().get("param").asText()).isEqualTo("n");
    assertThat(anthropic.requests()).isEmpty();
  }

  @Test
  void anUpstreamRateLimitSurfacesAsAnOpenAiError() {
    TestGateway.Response r = sluice.post("/v1/chat/completions", chat("claude-error-429", "hi").toString());

    assertThat(r.status()).isEqualTo(503);
    assertThat(r.error().get("type").asText()).isEqualTo("api_error");
    assertThat(r.error().get("code").asText()).isEqualTo("upstream_unavailable");
    assertThat(r.error().get("message").asText()).contains("claude-error-429");
    assertThat(r.header("retry-after")).isNotNull();
    assertThat(anthropic.count("error-429")).isEqualTo(1);
  }

  @Test
  void anOverloadedOrFailingUpstreamIsRetriedThenSurfacesAsABadGateway() {
    for (String model : List.of("claude-error-529", "claude-error-500")) {
      TestGateway.Response r = sluice.post("/v1/chat/completions", chat(model, "hi").toString());

      assertThat(r.status()).as(model).isEqualTo(502);
      assertThat(r.error().get("type").asText()).isEqualTo("api_error");
      assertThat(r.error().get("message").asText()).contains("HTTP " + model.substring(model.length() - 3));
    }
    assertThat(anthropic.count("error-529")).isEqualTo(2);
  }

  @Test
  void anUpstreamInvalidRequestIsRelayedWithItsMessage() {
    TestGateway.Response r = sluice.post("/v1/chat/completions", chat("claude-error-400", "hi").toString());

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().get("type").asText()).isEqualTo("invalid_request_error");
    assertThat(r.error().get("message").asText()).contains("fake anthropic error 400");
    assertThat(anthropic.count("error-400")).isEqualTo(1);
  }

  @Test
  void anErrorEventBeforeAnyChunkIsRetriedLikeAnErrorStatus() {
    TestGateway.Response r = sluice.post("/v1/chat/completions", chat("claude-error-event", "hi").put("stream", true).toString());

    assertThat(r.status()).isEqualTo(502);
    assertThat(r.error().get("message").asText()).contains("HTTP 529").contains("Overloaded");
    assertThat(anthropic.count("error-event")).isEqualTo(2);
  }

  @Test
  void anErrorEventMidStreamEndsTheStreamWithAnErrorEvent() {
    TestGateway.Response r = sluice.post("/v1/chat/completions",
        chat("claude-overloaded-mid-stream", "hi").put("stream", true).toString());

    assertThat(r.status()).isEqualTo(200);
    List<String> events = r.events();
    assertThat(events).doesNotContain("[DONE]");
    assertThat(streamedContent(events.subList(0, events.size() - 1))).isEqualTo("parti");
    JsonNode error = parse(events.getLast()).get("error");
    assertThat(error.get("message").asText()).contains("HTTP 529").contains("Overloaded");
  }

  // ---------------------------------------------------------------- a real OpenAI client

  @Test
  void theOpenAiJavaClientReadsAnswersToolCallsAndUsage() {
    OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(sluice.baseUrl()).apiKey("unused").maxRetries(0).build();

    ChatCompletion plain = client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("claude-cache").addUserMessage("hello").build());
    assertThat(plain.choices().getFirst().message().content()).contains("echo: hello");
    assertThat(plain.usage().orElseThrow().promptTokens()).isEqualTo(3210);
    assertThat(plain.usage().orElseThrow().promptTokensDetails().orElseThrow().cachedTokens()).contains(3000L);

    ChatCompletionCreateParams withTools = ChatCompletionCreateParams.builder()
        .model("claude-tools").addUserMessage("Weather in Paris and Oslo?")
        .addFunctionTool(FunctionDefinition.builder().name("get_weather")
            .parameters(FunctionParameters.builder().putAdditionalProperty("type", JsonValue.from("object")).build())
            .build())
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
        .build();
    ChatCompletionAccumulator accumulated = ChatCompletionAccumulator.create();
    try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(withTools)) {
      stream.stream().forEach(accumulated::accumulate);
    }
    ChatCompletion streamed = accumulated.chatCompletion();
    var calls = streamed.choices().getFirst().message().toolCalls().orElseThrow();
    assertThat(calls).hasSize(2);
    assertThat(calls.get(1).asFunction().id()).isEqualTo("toolu_1");
    assertThat(parse(calls.get(1).asFunction().function().arguments()).get("city").asText()).isEqualTo("Oslo");
    assertThat(streamed.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    assertThat(streamed.usage().orElseThrow().totalTokens()).isEqualTo(50);

    assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder()
        .model("claude").addUserMessage("hi").n(2).build()))
        .isInstanceOf(BadRequestException.class).hasMessageContaining("'n'");
  }

  // ---------------------------------------------------------------- helpers

  private static ObjectNode chat(String model, String userMessage) {
    return (ObjectNode) parse(TestGateway.chatBody(model, userMessage, false));
  }
}
