package dev.sluice.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.SseException;
import com.openai.errors.UnauthorizedException;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.models.Model;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The official OpenAI Java SDK, unmodified and pointed at Sluice's {@code /v1}, gets what the
 * upstream answered: content, usage, tool calls, embeddings, the model list, and typed errors.
 */
class OpenAiJavaClientTest {
  static FakeUpstream upstream;
  static TestGateway sluice;
  static OpenAIClient client;

  @BeforeAll
  static void start() {
    upstream = FakeUpstream.start();
    sluice = TestGateway.start("""
        models:
          - name: chat-small
            deployments:
              - provider: openai
                base_url: ${UPSTREAM}
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
          - name: rejecting
            deployments:
              - provider: openai
                base_url: ${UPSTREAM}
                model: error-400
          - name: breaking
            deployments:
              - provider: openai
                base_url: ${UPSTREAM}
                model: reset-mid-stream
        """, upstream);
    client = sdk(sluice, "sk-any");
  }

  @AfterAll
  static void stop() {
    client.close();
    sluice.close();
    upstream.close();
  }

  @BeforeEach
  void clear() {
    upstream.reset();
  }

  @Test
  void chatReturnsTheUpstreamContentUsageAndModel() {
    ChatCompletion completion = client.chat().completions().create(chat("chat-small", "hello").build());

    assertThat(completion.choices()).hasSize(1);
    assertThat(completion.choices().getFirst().message().content()).contains("echo: hello");
    assertThat(completion.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(completion.id()).isEqualTo("chatcmpl-fake");
    assertThat(completion.model()).isEqualTo("ok");
    CompletionUsage usage = completion.usage().orElseThrow();
    assertThat(usage.promptTokens()).isEqualTo(12);
    assertThat(usage.completionTokens()).isEqualTo(5);
    assertThat(usage.totalTokens()).isEqualTo(17);
    assertThat(upstream.requests().getFirst().body().get("model").asText()).isEqualTo("ok");
  }

  @Test
  void rawResponseCarriesTheRouteAndRequestIdHeaders() {
    HttpResponseFor<ChatCompletion> raw =
        client.chat().completions().withRawResponse().create(chat("chat-small", "who answered?").build());

    assertThat(raw.statusCode()).isEqualTo(200);
    assertThat(raw.headers().values("x-sluice-route")).containsExactly("chat-small/openai-1");
    assertThat(raw.headers().values("x-sluice-request-id")).singleElement().asString().startsWith("req_");
    assertThat(raw.parse().choices().getFirst().message().content()).contains("echo: who answered?");
  }

  @Test
  void streamedDeltasAddUpToTheUpstreamTextAndTheUsageArrivesLast() {
    ChatCompletionCreateParams params = chat("chat-small", "stream me")
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
        .build();

    List<ChatCompletionChunk> chunks = stream(params);

    StringBuilder text = new StringBuilder();
    for (ChatCompletionChunk c : chunks) {
      c.choices().forEach(choice -> choice.delta().content().ifPresent(text::append));
    }
    assertThat(text).hasToString("echo: stream me");
    ChatCompletionChunk last = chunks.getLast();
    assertThat(last.choices()).isEmpty();
    CompletionUsage usage = last.usage().orElseThrow();
    assertThat(usage.promptTokens()).isEqualTo(12);
    assertThat(usage.completionTokens()).isEqualTo(3);
    assertThat(usage.totalTokens()).isEqualTo(15);
    assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(c -> assertThat(c.usage()).isEmpty());
  }

  @Test
  void streamWithoutIncludeUsageCarriesNoUsageChunk() {
    List<ChatCompletionChunk> chunks = stream(chat("chat-small", "quiet").build());

    ChatCompletion whole = accumulate(chunks);
    assertThat(whole.choices().getFirst().message().content()).contains("echo: quiet");
    assertThat(whole.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(chunks).allSatisfy(c -> {
      assertThat(c.choices()).isNotEmpty();
      assertThat(c.usage()).isEmpty();
    });
  }

  @Test
  void offeredToolsReachTheUpstreamAndParallelToolCallsComeBackParsed() {
    ChatCompletion completion = client.chat().completions().create(withWeatherTool(chat("tools-model", "weather?")).build());

    assertThat(completion.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    assertThat(completion.choices().getFirst().message().content()).isEmpty();
    assertWeatherCalls(completion.choices().getFirst().message().toolCalls().orElseThrow());
    assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(50);
    var sentTool = upstream.requests().getFirst().body().at("/tools/0");
    assertThat(sentTool.at("/type").asText()).isEqualTo("function");
    assertThat(sentTool.at("/function/name").asText()).isEqualTo("get_weather");
    assertThat(sentTool.at("/function/parameters/required/0").asText()).isEqualTo("city");
  }

  @Test
  void streamedToolCallsAccumulateAcrossChunksIntoTwoParallelCalls() {
    ChatCompletionCreateParams params = withWeatherTool(chat("tools-model", "weather?"))
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
        .build();

    ChatCompletion whole = accumulate(stream(params));

    assertThat(whole.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
    assertWeatherCalls(whole.choices().getFirst().message().toolCalls().orElseThrow());
    assertThat(whole.usage().orElseThrow().totalTokens()).isEqualTo(50);
  }

  @Test
  void embeddingsArriveAsTheUpstreamVectorsInTheSdksDefaultBase64Encoding() {
    CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
        .model("embed")
        .inputOfArrayOfStrings(List.of("first", "second"))
        .build());

    assertThat(upstream.requests().getFirst().body().get("encoding_format").asText()).isEqualTo("base64");
    assertUpstreamVectors(response);
  }

  @Test
  void embeddingsAskedForAsFloatsArriveAsFloats() {
    CreateEmbeddingResponse response = client.embeddings().create(EmbeddingCreateParams.builder()
        .model("embed")
        .inputOfArrayOfStrings(List.of("first", "second"))
        .encodingFormat(EmbeddingCreateParams.EncodingFormat.FLOAT)
        .build());

    assertThat(upstream.requests().getFirst().body().get("encoding_format").asText()).isEqualTo("float");
    assertUpstreamVectors(response);
  }

  @Test
  void modelsListNamesEveryConfiguredModel() {
    List<Model> models = client.models().list().data();

    assertThat(models).extracting(Model::id)
        .containsExactly("chat-small", "tools-model", "embed", "rejecting", "breaking");
    assertThat(models).allSatisfy(m -> assertThat(m.ownedBy()).isEqualTo("sluice"));
    assertThat(client.models().retrieve("tools-model").id()).isEqualTo("tools-model");
  }

  @Test
  void unknownModelSurfacesAsNotFoundException() {
    NotFoundException e = catchThrowableOfType(NotFoundException.class,
        () -> client.chat().completions().create(chat("no-such-model", "hi").build()));

    assertThat(e.statusCode()).isEqualTo(404);
    assertThat(e.code()).contains("model_not_found");
    assertThat(e.param()).contains("model");
    assertThat(e.getMessage()).contains("no-such-model");
    assertThat(upstream.requests()).isEmpty();
  }

  @Test
  void withAnAdminKeyTheSdksApiKeyIsCheckedAndAWrongOneIsUnauthorized() {
    try (TestGateway guarded = TestGateway.start("""
            admin_key: ${ADMIN_KEY}
            models:
              - name: chat-small
                deployments:
                  - provider: openai
                    base_url: ${UPSTREAM}
                    model: ok
            """, Map.of("UPSTREAM", upstream.baseUrl(), "ADMIN_KEY", "sk-sluice-admin"))) {
      OpenAIClient right = sdk(guarded, "sk-sluice-admin");
      OpenAIClient wrong = sdk(guarded, "sk-wrong");

      assertThat(right.chat().completions().create(chat("chat-small", "let me in").build())
          .choices().getFirst().message().content()).contains("echo: let me in");
      UnauthorizedException e = catchThrowableOfType(UnauthorizedException.class,
          () -> wrong.chat().completions().create(chat("chat-small", "let me in").build()));
      assertThat(e.statusCode()).isEqualTo(401);
      assertThat(e.code()).contains("invalid_api_key");
      assertThat(catchThrowableOfType(UnauthorizedException.class, () -> wrong.models().list())).isNotNull();
      assertThat(upstream.requests()).hasSize(1);
      right.close();
      wrong.close();
    }
  }

  @Test
  void outOfRangeParameterSurfacesAsBadRequestExceptionNamingIt() {
    BadRequestException e = catchThrowableOfType(BadRequestException.class,
        () -> client.chat().completions().create(chat("chat-small", "hi").temperature(3.5).build()));

    assertThat(e.statusCode()).isEqualTo(400);
    assertThat(e.type()).contains("invalid_request_error");
    assertThat(e.param()).contains("temperature");
    assertThat(e.getMessage()).contains("temperature");
    assertThat(upstream.requests()).isEmpty();
  }

  @Test
  void upstreamRejectionSurfacesAsBadRequestExceptionWithTheUpstreamMessage() {
    BadRequestException e = catchThrowableOfType(BadRequestException.class,
        () -> client.chat().completions().create(chat("rejecting", "hi").build()));

    assertThat(e.statusCode()).isEqualTo(400);
    assertThat(e.getMessage()).contains("fake upstream error 400");
    assertThat(upstream.count("error-400")).isEqualTo(1);
  }

  @Test
  void streamBrokenUpstreamMidWayRaisesInsteadOfEndingQuietly() {
    StringBuilder received = new StringBuilder();

    SseException e = catchThrowableOfType(SseException.class, () -> {
      try (StreamResponse<ChatCompletionChunk> s =
          client.chat().completions().createStreaming(chat("breaking", "this will break").build())) {
        s.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(received::append)));
      }
    });

    assertThat(e).as("a stream cut off upstream must not look like a complete answer").isNotNull();
    assertThat(e.type()).contains("api_error");
    assertThat(e.code()).contains("stream_interrupted");
    assertThat(received.toString()).isNotEqualTo("echo: this will break");
    assertThat("echo: this will break").startsWith(received.toString());
  }

  // ---------------------------------------------------------------- helpers

  private static OpenAIClient sdk(TestGateway gateway, String apiKey) {
    return OpenAIOkHttpClient.builder()
        .baseUrl(gateway.baseUrl())
        .apiKey(apiKey)
        .maxRetries(0)
        .timeout(Duration.ofSeconds(20))
        .build();
  }

  private static ChatCompletionCreateParams.Builder chat(String model, String userMessage) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage(userMessage);
  }

  private static ChatCompletionCreateParams.Builder withWeatherTool(ChatCompletionCreateParams.Builder b) {
    return b.addTool(ChatCompletionFunctionTool.builder()
            .function(FunctionDefinition.builder()
                .name("get_weather")
                .description("Current weather in a city")
                .parameters(FunctionParameters.builder()
                    .putAdditionalProperty("type", JsonValue.from("object"))
                    .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                    .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                    .build())
                .build())
            .build())
        .parallelToolCalls(true);
  }

  private static List<ChatCompletionChunk> stream(ChatCompletionCreateParams params) {
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params)) {
      s.stream().forEach(chunks::add);
    }
    return chunks;
  }

  private static ChatCompletion accumulate(List<ChatCompletionChunk> chunks) {
    ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
    chunks.forEach(acc::accumulate);
    return acc.chatCompletion();
  }

  private static void assertUpstreamVectors(CreateEmbeddingResponse response) {
    assertThat(upstream.requests().getFirst().path()).isEqualTo("/v1/embeddings");
    assertThat(response.data()).hasSize(2);
    for (int i = 0; i < 2; i++) {
      assertThat(response.data().get(i).index()).isEqualTo(i);
      List<Float> expected = new ArrayList<>();
      for (int d = 0; d < 8; d++) expected.add(FakeUpstream.embeddingValue(i, d));
      assertThat(response.data().get(i).embedding()).as("vector %d", i).isEqualTo(expected);
    }
    assertThat(response.usage().promptTokens()).isEqualTo(8);
    assertThat(response.usage().totalTokens()).isEqualTo(8);
  }

  private static void assertWeatherCalls(List<ChatCompletionMessageToolCall> calls) {
    assertThat(calls).hasSize(2);
    ChatCompletionMessageFunctionToolCall paris = calls.get(0).asFunction();
    assertThat(paris.id()).isEqualTo("call_0");
    assertThat(paris.function().name()).isEqualTo("get_weather");
    assertThat(paris.function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
    ChatCompletionMessageFunctionToolCall oslo = calls.get(1).asFunction();
    assertThat(oslo.id()).isEqualTo("call_1");
    assertThat(oslo.function().name()).isEqualTo("get_weather");
    assertThat(oslo.function().arguments()).isEqualTo("{\"city\":\"Oslo\"}");
  }
}
