package dev.sluice.provider;

import dev.sluice.api.JsonBody;
import io.vertx.core.Future;

/** An upstream that computes embeddings; the answer is an OpenAI {@code list} of embeddings with usage. */
public interface EmbeddingsProvider {
  Future<JsonBody> embeddings(ProviderRequest request);
}
