package dev.sluice.provider.openai;

import dev.sluice.api.JsonBody;
import dev.sluice.config.GatewayConfig.DeploymentConfig;
import dev.sluice.provider.EmbeddingsProvider;
import dev.sluice.provider.HttpExchange;
import dev.sluice.provider.Provider;
import dev.sluice.provider.ProviderRequest;
import dev.sluice.stream.ChunkStream;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;

/**
 * OpenAI, and every server that speaks its API: vLLM, TGI, llama.cpp server, Ollama's {@code /v1},
 * Groq, Together, DeepSeek, Mistral. The deployment's {@code base_url} ends where OpenAI's
 * {@code /v1} does; an empty API key sends no {@code Authorization} header.
 */
public final class OpenAiProvider implements Provider, EmbeddingsProvider {
  private final DeploymentConfig deployment;
  private final HttpExchange exchange;
  private final HttpExchange.Endpoint chatUrl;
  private final HttpExchange.Endpoint embeddingsUrl;
  private final MultiMap baseHeaders;

  public OpenAiProvider(DeploymentConfig deployment, HttpExchange exchange) {
    this.deployment = deployment;
    this.exchange = exchange;
    String base = deployment.baseUrl().toString();
    this.chatUrl = HttpExchange.Endpoint.of(base + "/chat/completions");
    this.embeddingsUrl = HttpExchange.Endpoint.of(base + "/embeddings");
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    h.add("content-type", "application/json");
    h.add("accept", "application/json, text/event-stream");
    if (!deployment.apiKey().isEmpty()) {
      h.add("authorization", "Bearer " + deployment.apiKey().reveal());
    }
    this.baseHeaders = HttpExchange.fixedHeaders(h, deployment.headers());
  }

  @Override
  public Future<JsonBody> chat(ProviderRequest r) {
    return exchange.json(post(chatUrl, OpenAiCodec.chatRequest(r.call().body(), r.call().bodyBytes(), r.upstreamModel(), false), r),
        OpenAiCodec::checkChatCompletion);
  }

  @Override
  public Future<ChunkStream> streamChat(ProviderRequest r) {
    return exchange.sse(post(chatUrl, OpenAiCodec.chatRequest(r.call().body(), r.call().bodyBytes(), r.upstreamModel(), true), r),
        OpenAiCodec.streamDecoder());
  }

  @Override
  public Future<JsonBody> embeddings(ProviderRequest r) {
    return exchange.json(post(embeddingsUrl, OpenAiCodec.embeddingsRequest(r.call().body(), r.call().bodyBytes(), r.upstreamModel()), r),
        OpenAiCodec::checkEmbeddings);
  }

  private HttpExchange.Post post(HttpExchange.Endpoint url, io.vertx.core.buffer.Buffer body, ProviderRequest r) {
    return new HttpExchange.Post(url, baseHeaders, body, deployment.timeouts(), r.deadlineNanos());
  }
}
