package dev.sluice.provider.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.JsonBody;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import dev.sluice.provider.EmbeddingsProvider;
import dev.sluice.provider.ProviderRequest;
import dev.sluice.provider.UpstreamException;
import dev.sluice.provider.UpstreamFailure;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

/**
 * The {@code local} provider: {@code POST /v1/embeddings} answered by the gateway's in-process
 * {@link Embedder} (all-MiniLM-L6-v2, see {@link MiniLm}) instead of an HTTP upstream. Every local
 * deployment of every configuration shares the one embedder of its gateway.
 *
 * <p>Requests: {@code input} is a string or an array of up to 2048 strings; token-id arrays,
 * empty or whitespace-only texts, and a {@code dimensions} other than the model's own are refused
 * with a 400 naming the field. {@code encoding_format} is {@code float} (the default) or
 * {@code base64} (little-endian float32, as OpenAI sends it). Long texts are cut at the model's
 * 128 tokens (see {@link MiniLm}). The answer is OpenAI's {@code list} of embeddings; usage counts
 * the tokens the model read, by its own tokenizer.
 *
 * <p>Failures: a saturated embedder is an {@link UpstreamFailure.Skipped} (the client gets a 503
 * with {@code Retry-After}, and the deployment's circuit breaker is not charged); a model failure is
 * an HTTP-500-like {@link UpstreamFailure.ErrorStatus}; no answer by the attempt's deadline is a
 * {@link UpstreamFailure.TimedOut}.
 */
public final class LocalEmbeddingsProvider implements EmbeddingsProvider {
  private static final Duration RETRY_WHEN_SATURATED = Duration.ofSeconds(1);

  private final Embedder embedder;

  public LocalEmbeddingsProvider(Embedder embedder) {
    this.embedder = embedder;
  }

  @Override
  public Future<JsonBody> embeddings(ProviderRequest request) {
    LocalEmbeddingsCodec.Request r;
    try {
      r = LocalEmbeddingsCodec.request(request.call().body(), embedder.model(), embedder.dimensions());
    } catch (GatewayException e) {
      return Future.failedFuture(e);
    }
    Future<ObjectNode> answer = embedder.embed(r.texts()).transform(ar -> ar.succeeded()
        ? Future.succeededFuture(LocalEmbeddingsCodec.response(ar.result().vectors(), ar.result().tokens(),
            embedder.model(), r.base64()))
        : Future.failedFuture(translate(ar.cause())));
    return withDeadline(answer, request.deadlineNanos()).map(JsonBody::of);
  }

  private Throwable translate(Throwable cause) {
    return switch (cause) {
      case Embedder.EmptyTextException e -> new GatewayException(new GatewayError.InvalidRequest(
          "Invalid 'input[" + e.index() + "]': " + embedder.model() + " found nothing to embed in the text.", "input"));
      case RejectedExecutionException e -> new UpstreamException(new UpstreamFailure.Skipped(
          "the in-process model is at capacity (" + e.getMessage() + ")", RETRY_WHEN_SATURATED));
      default -> new UpstreamException(new UpstreamFailure.ErrorStatus(500, null,
          "the in-process model failed: " + cause.getMessage(), "api_error", null, null));
    };
  }

  /** Fails with a timeout when the embedder has not answered by the deadline (the work itself is not undone). */
  private static Future<ObjectNode> withDeadline(Future<ObjectNode> answer, long deadlineNanos) {
    Context context = Vertx.currentContext();
    if (context == null || answer.isComplete()) return answer;
    long ms = Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000);
    Promise<ObjectNode> result = Promise.promise();
    long timer = context.owner().setTimer(ms, id -> result.tryFail(new UpstreamException(
        new UpstreamFailure.TimedOut(UpstreamFailure.TimedOut.Phase.TOTAL, Duration.ofMillis(ms)))));
    answer.onComplete(ar -> {
      context.owner().cancelTimer(timer);
      if (ar.succeeded()) result.tryComplete(ar.result()); else result.tryFail(ar.cause());
    });
    return result.future();
  }
}
