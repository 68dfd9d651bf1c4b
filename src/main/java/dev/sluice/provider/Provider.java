package dev.sluice.provider;

import dev.sluice.api.JsonBody;
import dev.sluice.stream.ChunkStream;
import io.vertx.core.Future;

/**
 * A chat-capable upstream, bound to one deployment: a small codec plus the HTTP call. Requests and
 * answers are in the OpenAI format; a provider for another protocol translates both ways.
 *
 * <p>Failures complete the future with an {@link UpstreamException} describing what went wrong,
 * so the route stage can decide between retrying, falling back and giving up. Other capabilities
 * (embeddings) are separate interfaces such as {@link EmbeddingsProvider}.
 */
public interface Provider {

  /** One non-streaming chat completion; the answer is an OpenAI {@code chat.completion} object. */
  Future<JsonBody> chat(ProviderRequest request);

  /**
   * One streaming chat completion. The future completes when the first chunk has arrived (so a
   * failure before any byte reached the client can still be retried elsewhere); failures after that
   * end the stream with an error.
   */
  Future<ChunkStream> streamChat(ProviderRequest request);
}
