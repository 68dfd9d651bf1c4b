package dev.sluice.accesslog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.config.GatewayConfig;
import dev.sluice.error.ErrorWire;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import dev.sluice.pipeline.Call;
import dev.sluice.pipeline.Chain;
import dev.sluice.pipeline.Reply;
import dev.sluice.pipeline.Stage;
import dev.sluice.stream.Chunk;
import dev.sluice.stream.ChunkStream;
import io.vertx.core.Future;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.Set;

/**
 * Content logging, for tenants that opt in ({@code tenants[].log_content: true}): writes one extra
 * access-log line per call of such a tenant, {@code "type": "content"}, with the request's
 * messages (or embedding input) and the answer's text, every string passed through
 * {@link ContentRedactor} first. Calls of other tenants pass through untouched: their content is
 * never read, let alone written.
 *
 * <p>The line is joined to the call's usage line by {@code request_id}; it is written when the
 * answer ends (for a stream, when its last chunk passed, or when it broke or the client left).
 */
public final class ContentLogStage implements Stage {
  private final AccessLog log;
  private final Set<String> tenants;
  private final InstantSource clock;

  private ContentLogStage(AccessLog log, Set<String> tenants, InstantSource clock) {
    this.log = log;
    this.tenants = Set.copyOf(tenants);
    this.clock = clock;
  }

  /**
   * The stage for a configuration: content logging for its opted-in tenants, or a stage that only
   * passes calls on when none opted in or there is no access log.
   */
  public static Stage of(GatewayConfig config, AccessLog log, InstantSource clock) {
    Set<String> optedIn = new HashSet<>();
    for (GatewayConfig.TenantConfig t : config.tenants()) {
      if (t.logContent()) optedIn.add(t.name());
    }
    if (log == null || optedIn.isEmpty()) return (call, chain) -> chain.proceed(call);
    return new ContentLogStage(log, optedIn, clock);
  }

  @Override
  public Future<Reply> handle(Call call, Chain chain) {
    if (call.principal() == null || !tenants.contains(call.principal().tenant())) return chain.proceed(call);
    ObjectNode line = Json.MAPPER.createObjectNode();
    line.put("time", clock.instant().toString());
    line.put("type", "content");
    line.put("request_id", call.requestId());
    line.put("tenant", call.principal().tenant());
    line.put("model", call.model());
    JsonNode prompt = call.body().has("messages") ? call.body().get("messages") : call.body().get("input");
    line.set("prompt", ContentRedactor.redact(prompt));

    Future<Reply> result = chain.proceed(call);
    return result.transform(ar -> {
      if (ar.failed()) {
        write(line, null, GatewayException.errorOf(ar.cause()));
        return Future.failedFuture(ar.cause());
      }
      Reply reply = ar.result();
      return Future.succeededFuture(switch (reply) {
        case Reply.Complete c -> {
          write(line, completionOf(c), null);
          yield c;
        }
        case Reply.Streaming s -> s.withChunks(s.chunks().observed(new StreamedText(line)));
      });
    });
  }

  /** The answer's text: the first choice's message content, or nothing for embeddings. */
  private static String completionOf(Reply.Complete c) {
    JsonNode message = c.body().tree().at("/choices/0/message");
    if (message.isMissingNode()) return null;
    JsonNode content = message.get("content");
    StringBuilder text = new StringBuilder(content == null || content.isNull() ? "" : content.asText());
    JsonNode tools = message.get("tool_calls");
    if (tools != null && tools.isArray()) {
      for (JsonNode t : tools) {
        if (!text.isEmpty()) text.append('\n');
        text.append(t.at("/function/name").asText()).append(t.at("/function/arguments").asText());
      }
    }
    return text.toString();
  }

  private void write(ObjectNode line, String completion, GatewayError error) {
    if (completion != null) line.put("completion", ContentRedactor.redact(completion));
    if (error != null) {
      line.put("error_code", ErrorWire.of(error).body().path("error").path("code").asText(null));
    }
    log.append(line + "\n");
  }

  /** Gathers the first choice's text as the stream passes, and writes the line when it ends. */
  private final class StreamedText implements ChunkStream.Observer {
    private final ObjectNode line;
    private final StringBuilder text = new StringBuilder();
    private boolean written;

    StreamedText(ObjectNode line) {
      this.line = line;
    }

    @Override
    public void onChunk(Chunk chunk) {
      if (chunk.isUsageOnly()) return;
      JsonNode delta = chunk.json().at("/choices/0/delta/content");
      if (delta.isTextual()) text.append(delta.asText());
    }

    @Override
    public void onComplete() {
      end(null);
    }

    @Override
    public void onError(GatewayError error) {
      end(error);
    }

    @Override
    public void onCancel() {
      end(null);
    }

    private void end(GatewayError error) {
      if (written) return;
      written = true;
      write(line, text.toString(), error);
    }
  }
}
