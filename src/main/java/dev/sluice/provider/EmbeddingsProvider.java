package dev.sluice.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;

/** An upstream that computes embeddings; the answer is an OpenAI {@code list} of embeddings with usage. */
public interface EmbeddingsProvider {
  Future<ObjectNode> embeddings(ProviderRequest request);
}
