package dev.sluice.provider.anthropic;

import dev.sluice.api.JsonBody;
import dev.sluice.config.GatewayConfig.DeploymentConfig;
import dev.sluice.error.GatewayException;
import dev.sluice.provider.HttpExchange;
import dev.sluice.provider.Provider;
import dev.sluice.provider.ProviderRequest;
import dev.sluice.stream.ChunkStream;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.time.InstantSource;

/**
 * Claude models through the Anthropic Messages API: {@code POST {base_url}/v1/messages} with
 * {@code x-api-key} (none when the deployment's key is empty) and
 * {@code anthropic-version: 2023-06-01}; the deployment's {@code headers} are added last, so one
 * can set {@code anthropic-beta} or override the version. A {@code base_url} that already ends in
 * {@code /v1} is accepted too. Requests and answers are translated by {@link AnthropicCodec} and
 * {@link AnthropicStreamDecoder}; Anthropic's error bodies are read by the shared
 * {@link dev.sluice.provider.UpstreamErrors}.
 *
 * <p>A request the codec refuses (a parameter Anthropic cannot honour) fails the future with a
 * {@link GatewayException} carrying an invalid-request error; nothing is sent upstream.
 */
public final class AnthropicProvider implements Provider {
  /** The API version this provider speaks. */
  public static final String API_VERSION = "2023-06-01";

  private final DeploymentConfig deployment;
  private final HttpExchange exchange;
  private final InstantSource clock;
  private final HttpExchange.Endpoint messagesUrl;
  private final MultiMap headers;

  /** @param clock gives the {@code created} time of answers, which Anthropic does not send */
  public AnthropicProvider(DeploymentConfig deployment, HttpExchange exchange, InstantSource clock) {
    this.deployment = deployment;
    this.exchange = exchange;
    this.clock = clock;
    String base = deployment.baseUrl().toString();
    this.messagesUrl = HttpExchange.Endpoint.of(base.endsWith("/v1") ? base + "/messages" : base + "/v1/messages");
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    h.add("content-type", "application/json");
    h.add("accept", "application/json, text/event-stream");
    h.add("anthropic-version", API_VERSION);
    if (!deployment.apiKey().isEmpty()) {
      h.add("x-api-key", deployment.apiKey().reveal());
    }
    this.headers = HttpExchange.fixedHeaders(h, deployment.headers());
  }

  @Override
  public Future<JsonBody> chat(ProviderRequest r) {
    Buffer body;
    try {
      body = AnthropicCodec.requestBody(r.call().body(), r.upstreamModel(), false);
    } catch (GatewayException refused) {
      return Future.failedFuture(refused);
    }
    long created = clock.instant().getEpochSecond();
    return exchange.json(post(body, r),
        answer -> JsonBody.of(AnthropicCodec.completion(AnthropicCodec.parseMessage(answer), created)));
  }

  @Override
  public Future<ChunkStream> streamChat(ProviderRequest r) {
    Buffer body;
    try {
      body = AnthropicCodec.requestBody(r.call().body(), r.upstreamModel(), true);
    } catch (GatewayException refused) {
      return Future.failedFuture(refused);
    }
    return exchange.sse(post(body, r), new AnthropicStreamDecoder(clock.instant().getEpochSecond()));
  }

  private HttpExchange.Post post(Buffer body, ProviderRequest r) {
    return new HttpExchange.Post(messagesUrl, headers, body, deployment.timeouts(), r.deadlineNanos());
  }
}
