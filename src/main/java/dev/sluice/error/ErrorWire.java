package dev.sluice.error;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import java.time.Duration;
import java.util.Map;

/**
 * The one mapping from {@link GatewayError} to the wire: HTTP status, the OpenAI error body
 * {@code {"error":{"message","type","param","code"}}}, and the headers that tell clients whether
 * and when to retry.
 */
public final class ErrorWire {
  private ErrorWire() {}

  /** What to send for one error. */
  public record Response(int status, ObjectNode body, Map<String, String> headers) {}

  public static Response of(GatewayError error) {
    return switch (error) {
      case GatewayError.InvalidRequest e ->
          response(400, e.message(), "invalid_request_error", e.param(), e.code());
      case GatewayError.Unauthenticated e ->
          response(401, e.message(), "authentication_error", null, "invalid_api_key");
      case GatewayError.Forbidden e -> response(403, e.message(), "permission_error", null, e.code());
      case GatewayError.ModelNotFound e ->
          response(404, e.message(), "invalid_request_error", "model", "model_not_found");
      case GatewayError.NotFound e -> response(404, e.message(), "invalid_request_error", null, e.code());
      case GatewayError.Conflict e -> response(409, e.message(), "invalid_request_error", null, e.code());
      case GatewayError.UnknownEndpoint e ->
          response(404, e.message(), "invalid_request_error", null, "unknown_url");
      case GatewayError.MethodNotAllowed e ->
          withHeaders(response(405, e.message(), "invalid_request_error", null, "method_not_allowed"),
              Map.of("Allow", e.allowed()));
      case GatewayError.RateLimited e -> {
        Map<String, String> h = new java.util.LinkedHashMap<>(e.headers());
        h.put("Retry-After", Long.toString(Math.max(1, (e.retryAfter().toMillis() + 999) / 1000)));
        h.put("retry-after-ms", Long.toString(Math.max(1, e.retryAfter().toMillis())));
        yield withHeaders(response(429, e.message(), "rate_limit_error", null, "rate_limit_exceeded"), h);
      }
      case GatewayError.BudgetExceeded e ->
          withHeaders(response(429, e.message(), "insufficient_quota", null, "budget_exceeded"), Map.of("x-should-retry", "false"));
      case GatewayError.RunRefused e -> withHeaders(e.code().equals(GatewayError.RunRefused.STOPPED)
              ? response(409, e.message(), "invalid_request_error", e.param(), e.code())
              : response(429, e.message(), "rate_limit_error", e.param(), e.code()),
          Map.of("x-should-retry", "false"));
      case GatewayError.PayloadTooLarge e ->
          response(413, e.message(), "invalid_request_error", null, "request_too_large");
      case GatewayError.UpstreamRejected e ->
          response(e.status(), e.message(), e.type() == null ? "invalid_request_error" : e.type(), e.param(), e.code());
      case GatewayError.UpstreamFailed e -> upstreamFailed(e);
      case GatewayError.StreamInterrupted e -> response(502, e.message(), "api_error", null, "stream_interrupted");
      case GatewayError.Internal e -> response(500, e.message(), "api_error", null, "internal_error");
    };
  }

  private static Response upstreamFailed(GatewayError.UpstreamFailed e) {
    Response r = switch (e.kind()) {
      case BAD_GATEWAY -> response(502, e.message(), "api_error", null, "upstream_error");
      case UNAVAILABLE -> response(503, e.message(), "api_error", null, "upstream_unavailable");
      case TIMEOUT -> response(504, e.message(), "api_error", null, "upstream_timeout");
    };
    Duration retryAfter = e.retryAfter();
    if (retryAfter != null && !retryAfter.isNegative()) {
      long seconds = Math.max(1, (retryAfter.toMillis() + 999) / 1000);
      return withHeaders(r, Map.of("Retry-After", Long.toString(seconds)));
    }
    return r;
  }

  /** The {@code {"error":{...}}} object, also used for SSE error events. */
  public static ObjectNode body(String message, String type, String param, String code) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    ObjectNode err = root.putObject("error");
    err.put("message", message);
    err.put("type", type);
    if (param == null) err.putNull("param"); else err.put("param", param);
    if (code == null) err.putNull("code"); else err.put("code", code);
    return root;
  }

  private static Response response(int status, String message, String type, String param, String code) {
    return new Response(status, body(message, type, param, code), Map.of());
  }

  private static Response withHeaders(Response r, Map<String, String> headers) {
    return new Response(r.status(), r.body(), headers);
  }
}
