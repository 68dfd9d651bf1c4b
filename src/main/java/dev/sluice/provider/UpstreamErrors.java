package dev.sluice.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.Json;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;

/**
 * Reads an upstream's error body into an {@link UpstreamFailure.ErrorStatus}. Knows the shapes that
 * OpenAI-compatible servers actually send: OpenAI's {@code {"error":{...}}}, vLLM's top-level
 * {@code {"object":"error","message":...}}, TGI's {@code {"error":"..."}}, Anthropic's
 * {@code {"type":"error","error":{"type","message"}}}, and plain text.
 */
public final class UpstreamErrors {
  private UpstreamErrors() {}

  private static final int MAX_TEXT = 500;

  public static UpstreamFailure.ErrorStatus read(int status, Buffer body, Duration retryAfter) {
    String message = null;
    String type = null;
    String param = null;
    String code = null;
    try {
      JsonNode root = Json.MAPPER.readTree(body.getBytes());
      JsonNode error = root.get("error");
      JsonNode source = error != null && error.isObject() ? error : root;
      if (error != null && error.isTextual()) {
        message = error.asText();
      } else {
        message = text(source.get("message"));
      }
      type = text(source.get("type"));
      if ("error".equals(type) && error == null) type = null;
      param = text(source.get("param"));
      code = text(source.get("code"));
      if (message == null && root.get("detail") != null) message = root.get("detail").toString();
    } catch (Exception notJson) {
      String text = body.toString().strip();
      message = text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) + "..." : text;
    }
    return new UpstreamFailure.ErrorStatus(status, retryAfter, message, type, param, code);
  }

  private static String text(JsonNode n) {
    if (n == null || n.isNull()) return null;
    return n.isValueNode() ? n.asText() : n.toString();
  }
}
