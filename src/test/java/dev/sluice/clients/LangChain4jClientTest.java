package dev.sluice.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * LangChain4j's OpenAI integration, unmodified and pointed at Sluice's {@code /v1}, chats, streams,
 * calls tools and embeds with what the upstream answered.
 */
class LangChain4jClientTest {
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
                model: ok
          - name: chat-long
            deployments:
              - provider: openai
                base_url: ${UPSTREAM}
                model: stream-5
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
          - name: breaking
            deployments:
              - provider: openai
                base_url: ${UPSTREAM}
                model: reset-mid-stream
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
  void chatModelReturnsTheUpstreamAnswerWithTokenUsage() {
    ChatResponse response = chatModel("chat-small").chat(ChatRequest.builder()
        .messages(UserMessage.from("hello"))
        .build());

    assertThat(response.aiMessage().text()).isEqualTo("echo: hello");
    assertThat(response.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(response.metadata().id()).isEqualTo("chatcmpl-fake");
    assertThat(response.metadata().modelName()).isEqualTo("ok");
    assertUsage(response.tokenUsage(), 12, 5, 17);
  }

  @Test
  void streamingChatModelDeliversEveryPartialThenTheWholeAnswerWithUsage() throws Exception {
    RecordingHandler handler = new RecordingHandler();

    streamingModel("chat-long").chat(ChatRequest.builder().messages(UserMessage.from("tell me more")).build(), handler);
    ChatResponse complete = handler.complete();

    assertThat(handler.partials).hasSize(5);
    assertThat(String.join("", handler.partials)).isEqualTo("echo: tell me more");
    assertThat(complete.aiMessage().text()).isEqualTo("echo: tell me more");
    assertThat(complete.finishReason()).isEqualTo(FinishReason.STOP);
    assertUsage(complete.tokenUsage(), 12, 5, 17);
    assertThat(upstream.requests().getFirst().body().get("stream").asBoolean()).isTrue();
  }

  @Test
  void chatModelOfferingAToolGetsBothParallelToolExecutionRequests() {
    ChatResponse response = chatModel("tools-model").chat(ChatRequest.builder()
        .messages(UserMessage.from("weather in Paris and Oslo?"))
        .toolSpecifications(weatherTool())
        .build());

    assertThat(response.aiMessage().hasToolExecutionRequests()).isTrue();
    assertWeatherCalls(response.aiMessage().toolExecutionRequests());
    assertThat(response.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
    assertUsage(response.tokenUsage(), 30, 20, 50);
    var sentTool = upstream.requests().getFirst().body().at("/tools/0/function");
    assertThat(sentTool.get("name").asText()).isEqualTo("get_weather");
    assertThat(sentTool.at("/parameters/properties/city/type").asText()).isEqualTo("string");
    assertThat(sentTool.at("/parameters/required/0").asText()).isEqualTo("city");
  }

  @Test
  void streamingChatModelAssemblesToolCallsSplitAcrossChunks() throws Exception {
    RecordingHandler handler = new RecordingHandler();

    streamingModel("tools-model").chat(ChatRequest.builder()
        .messages(UserMessage.from("weather in Paris and Oslo?"))
        .toolSpecifications(weatherTool())
        .build(), handler);
    ChatResponse complete = handler.complete();

    assertWeatherCalls(complete.aiMessage().toolExecutionRequests());
    assertThat(handler.toolCalls).extracting(c -> c.index()).containsExactly(0, 1);
    assertThat(complete.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
    assertUsage(complete.tokenUsage(), 30, 20, 50);
  }

  @Test
  void embeddingModelReturnsTheUpstreamVectorsAndUsage() {
    OpenAiEmbeddingModel model = OpenAiEmbeddingModel.builder()
        .baseUrl(sluice.baseUrl())
        .apiKey("sk-any")
        .modelName("embed")
        .maxRetries(0)
        .timeout(Duration.ofSeconds(20))
        .build();

    Response<List<Embedding>> response = model.embedAll(List.of(TextSegment.from("first"), TextSegment.from("second")));

    assertThat(response.content()).hasSize(2);
    for (int i = 0; i < 2; i++) {
      float[] expected = new float[8];
      for (int d = 0; d < 8; d++) expected[d] = FakeUpstream.embeddingValue(i, d);
      assertThat(response.content().get(i).vector()).as("vector %d", i).containsExactly(expected);
    }
    assertThat(response.tokenUsage().inputTokenCount()).isEqualTo(8);
    assertThat(upstream.requests().getFirst().path()).isEqualTo("/v1/embeddings");
    assertThat(upstream.requests().getFirst().body().get("input")).hasSize(2);
  }

  @Test
  void unknownModelSurfacesAsModelNotFoundException() {
    ModelNotFoundException e = catchThrowableOfType(ModelNotFoundException.class,
        () -> chatModel("no-such-model").chat(ChatRequest.builder().messages(UserMessage.from("hi")).build()));

    assertThat(e).hasMessageContaining("no-such-model").hasMessageContaining("model_not_found");
    assertThat(e.getCause()).isInstanceOfSatisfying(HttpException.class, h -> assertThat(h.statusCode()).isEqualTo(404));
    assertThat(upstream.requests()).isEmpty();
  }

  @Test
  void outOfRangeParameterSurfacesAsInvalidRequestException() {
    InvalidRequestException e = catchThrowableOfType(InvalidRequestException.class,
        () -> chatModel("chat-small").chat(ChatRequest.builder()
            .messages(UserMessage.from("hi"))
            .temperature(3.5)
            .build()));

    assertThat(e).hasMessageContaining("temperature");
    assertThat(e.getCause()).isInstanceOfSatisfying(HttpException.class, h -> assertThat(h.statusCode()).isEqualTo(400));
    assertThat(upstream.requests()).isEmpty();
  }

  @Test
  void streamBrokenUpstreamMidWayEndsInOnErrorNotACompleteResponse() {
    RecordingHandler handler = new RecordingHandler();

    streamingModel("breaking").chat(ChatRequest.builder().messages(UserMessage.from("this will break")).build(), handler);

    ExecutionException e = catchThrowableOfType(ExecutionException.class,
        () -> handler.done.get(20, TimeUnit.SECONDS));
    assertThat(e).as("a stream cut off upstream must not complete as a whole answer").isNotNull();
    assertThat(e.getCause()).hasMessageContaining("stream_interrupted");
    assertThat(String.join("", handler.partials)).isNotEqualTo("echo: this will break");
  }

  // ---------------------------------------------------------------- helpers

  private static OpenAiChatModel chatModel(String model) {
    return OpenAiChatModel.builder()
        .baseUrl(sluice.baseUrl())
        .apiKey("sk-any")
        .modelName(model)
        .maxRetries(0)
        .timeout(Duration.ofSeconds(20))
        .build();
  }

  private static OpenAiStreamingChatModel streamingModel(String model) {
    return OpenAiStreamingChatModel.builder()
        .baseUrl(sluice.baseUrl())
        .apiKey("sk-any")
        .modelName(model)
        .timeout(Duration.ofSeconds(20))
        .build();
  }

  private static ToolSpecification weatherTool() {
    return ToolSpecification.builder()
        .name("get_weather")
        .description("Current weather in a city")
        .parameters(JsonObjectSchema.builder().addStringProperty("city").required("city").build())
        .build();
  }

  private static void assertWeatherCalls(List<ToolExecutionRequest> calls) {
    assertThat(calls).hasSize(2);
    assertThat(calls.get(0).id()).isEqualTo("call_0");
    assertThat(calls.get(0).name()).isEqualTo("get_weather");
    assertThat(calls.get(0).arguments()).isEqualTo("{\"city\":\"Paris\"}");
    assertThat(calls.get(1).id()).isEqualTo("call_1");
    assertThat(calls.get(1).name()).isEqualTo("get_weather");
    assertThat(calls.get(1).arguments()).isEqualTo("{\"city\":\"Oslo\"}");
  }

  private static void assertUsage(TokenUsage usage, int input, int output, int total) {
    assertThat(usage.inputTokenCount()).isEqualTo(input);
    assertThat(usage.outputTokenCount()).isEqualTo(output);
    assertThat(usage.totalTokenCount()).isEqualTo(total);
  }

  /** Records what a streaming call delivered: partial texts, completed tool calls, and how it ended. */
  private static final class RecordingHandler implements StreamingChatResponseHandler {
    final List<String> partials = new CopyOnWriteArrayList<>();
    final List<CompleteToolCall> toolCalls = new CopyOnWriteArrayList<>();
    final CompletableFuture<ChatResponse> done = new CompletableFuture<>();

    @Override
    public void onPartialResponse(String partial) {
      partials.add(partial);
    }

    @Override
    public void onCompleteToolCall(CompleteToolCall call) {
      toolCalls.add(call);
    }

    @Override
    public void onCompleteResponse(ChatResponse response) {
      done.complete(response);
    }

    @Override
    public void onError(Throwable error) {
      done.completeExceptionally(error);
    }

    ChatResponse complete() throws Exception {
      return done.get(20, TimeUnit.SECONDS);
    }
  }
}
