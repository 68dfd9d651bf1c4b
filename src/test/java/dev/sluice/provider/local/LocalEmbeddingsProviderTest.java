package dev.sluice.provider.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import dev.sluice.pipeline.Attribution;
import dev.sluice.pipeline.Call;
import dev.sluice.pipeline.RequestTrace;
import dev.sluice.pipeline.Operation;
import dev.sluice.provider.ProviderRequest;
import dev.sluice.provider.UpstreamException;
import dev.sluice.provider.UpstreamFailure;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** How the local provider reads requests, writes answers and reports the embedder's failures. */
class LocalEmbeddingsProviderTest {

  @Test
  void base64IsLittleEndianFloat32AsOpenAiSendsIt() {
    // 1.0f is 0x3F800000, -2.0f is 0xC0000000: little-endian bytes 00 00 80 3F, 00 00 00 C0
    assertThat(LocalEmbeddingsCodec.base64(new float[] {1.0f, -2.0f})).isEqualTo("AACAPwAAAMA=");
  }

  @Test
  void theAnswerIsAnOpenAiListWithUsage() {
    ObjectNode answer = LocalEmbeddingsCodec.response(List.of(new float[] {0.6f, 0.8f}, new float[] {1f, 0f}), 9,
        "all-minilm-l6-v2", false);

    assertThat(answer.toString()).isEqualTo("{\"object\":\"list\",\"data\":["
        + "{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.6,0.8]},"
        + "{\"object\":\"embedding\",\"index\":1,\"embedding\":[1.0,0.0]}],"
        + "\"model\":\"all-minilm-l6-v2\",\"usage\":{\"prompt_tokens\":9,\"total_tokens\":9}}");
  }

  @Test
  void requestsAreReadOrRefusedField() {
    assertThat(read("{\"input\":\"hi\"}")).isEqualTo(new LocalEmbeddingsCodec.Request(List.of("hi"), false));
    assertThat(read("{\"input\":[\"a\",\"b\"],\"encoding_format\":\"base64\",\"dimensions\":384}"))
        .isEqualTo(new LocalEmbeddingsCodec.Request(List.of("a", "b"), true));
    assertThat(read("{\"input\":\"hi\",\"dimensions\":null,\"encoding_format\":null,\"user\":\"u1\"}"))
        .isEqualTo(new LocalEmbeddingsCodec.Request(List.of("hi"), false));

    assertRefused("{\"input\":[1,2]}", "input");
    assertRefused("{\"input\":[[1],[2]]}", "input");
    assertRefused("{\"input\":[\"a\", 3]}", "input");
    assertRefused("{\"input\":[\"a\", {\"text\":\"b\"}]}", "input");
    assertRefused("{\"input\":[]}", "input");
    assertRefused("{\"input\":\"\"}", "input");
    assertRefused("{\"input\":\"hi\",\"dimensions\":512}", "dimensions");
    assertRefused("{\"input\":\"hi\",\"dimensions\":\"384\"}", "dimensions");
    assertRefused("{\"input\":\"hi\",\"encoding_format\":\"int8\"}", "encoding_format");
    StringBuilder many = new StringBuilder("{\"input\":[");
    for (int i = 0; i <= LocalEmbeddingsCodec.MAX_INPUTS; i++) many.append(i == 0 ? "" : ",").append("\"t\"");
    assertRefused(many.append("]}").toString(), "input");
  }

  @Test
  void aSaturatedEmbedderIsASkippedAttemptSoTheClientGets503WithRetryAfter() {
    UpstreamFailure f = upstreamFailure(texts -> Future.failedFuture(new RejectedExecutionException("saturated")));

    assertThat(f).isInstanceOfSatisfying(UpstreamFailure.Skipped.class, s -> {
      assertThat(s.reason()).contains("at capacity");
      assertThat(s.availableIn()).isEqualTo(Duration.ofSeconds(1));
    });
  }

  @Test
  void aModelFailureIsAnUpstreamError() {
    UpstreamFailure f = upstreamFailure(texts -> Future.failedFuture(new IllegalStateException("no model")));

    assertThat(f).isInstanceOfSatisfying(UpstreamFailure.ErrorStatus.class, e -> {
      assertThat(e.status()).isEqualTo(500);
      assertThat(e.message()).contains("no model");
    });
  }

  @Test
  void aTextTheModelFindsEmptyIsA400() throws Exception {
    Throwable t = call(texts -> Future.failedFuture(new Embedder.EmptyTextException(2)), Long.MAX_VALUE, false);

    assertThat(t).isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.error())
        .isInstanceOfSatisfying(GatewayError.InvalidRequest.class, i -> {
          assertThat(i.param()).isEqualTo("input");
          assertThat(i.message()).contains("input[2]");
        }));
  }

  @Test
  void noAnswerByTheDeadlineIsATimeout() throws Exception {
    Promise<Embedder.Embeddings> never = Promise.promise();

    Throwable t = call(texts -> never.future(), System.nanoTime() + 50_000_000L, true);

    assertThat(t).isInstanceOfSatisfying(UpstreamException.class, e -> assertThat(e.failure())
        .isInstanceOf(UpstreamFailure.TimedOut.class));
  }

  private static LocalEmbeddingsCodec.Request read(String json) {
    return LocalEmbeddingsCodec.request(parse(json), "all-minilm-l6-v2", 384);
  }

  private static void assertRefused(String json, String param) {
    assertThatThrownBy(() -> read(json)).as(json).isInstanceOfSatisfying(GatewayException.class, e ->
        assertThat(e.error()).isInstanceOfSatisfying(GatewayError.InvalidRequest.class, i ->
            assertThat(i.param()).isEqualTo(param)));
  }

  private static UpstreamFailure upstreamFailure(Function<List<String>, Future<Embedder.Embeddings>> answer) {
    try {
      Throwable t = call(answer, Long.MAX_VALUE, false);
      assertThat(t).isInstanceOf(UpstreamException.class);
      return ((UpstreamException) t).failure();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Calls the provider (on a Vert.x event loop if asked) and returns how it failed. */
  private static Throwable call(Function<List<String>, Future<Embedder.Embeddings>> answer, long deadlineNanos,
      boolean onEventLoop) throws Exception {
    LocalEmbeddingsProvider provider = new LocalEmbeddingsProvider(new FakeEmbedder(answer));
    ProviderRequest request = new ProviderRequest(new Call("req_1", Operation.EMBEDDINGS,
        parse("{\"model\":\"all-minilm-l6-v2\",\"input\":[\"a\",\"b\",\"c\"]}"), "all-minilm-l6-v2", false, false,
        MultiMap.caseInsensitiveMultiMap(), null, Attribution.NONE, new RequestTrace(), null, 0, deadlineNanos),
        "all-minilm-l6-v2", deadlineNanos);
    CompletableFuture<Throwable> failure = new CompletableFuture<>();
    Runnable run = () -> provider.embeddings(request).onComplete(ar ->
        failure.complete(ar.failed() ? ar.cause() : new AssertionError("expected a failure, got " + ar.result())));
    if (!onEventLoop) {
      run.run();
      return failure.get(5, TimeUnit.SECONDS);
    }
    Vertx vertx = Vertx.vertx();
    try {
      vertx.runOnContext(v -> run.run());
      return failure.get(5, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(5, TimeUnit.SECONDS);
    }
  }

  private static ObjectNode parse(String json) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** An embedder that answers every call as the test says. */
  private record FakeEmbedder(Function<List<String>, Future<Embedder.Embeddings>> answer) implements Embedder {
    @Override
    public String model() {
      return "all-minilm-l6-v2";
    }

    @Override
    public int dimensions() {
      return 384;
    }

    @Override
    public Future<Embeddings> embed(List<String> texts) {
      return answer.apply(texts);
    }

    @Override
    public Stats stats() {
      return new Stats(0, 0, 0, 0);
    }

    @Override
    public void close() {}
  }
}
