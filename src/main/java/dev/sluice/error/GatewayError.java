package dev.sluice.error;

import java.time.Duration;

/**
 * Everything that can go wrong with a request, as a closed set. {@link ErrorWire} turns each
 * variant into an HTTP status and the OpenAI error body in one place; stages and providers never
 * write error responses themselves, they fail with a {@link GatewayException} carrying one of these.
 *
 * <p>Messages are written for the developer who sent the request: they say what was wrong and,
 * where it helps, what to do. They never contain secrets or stack traces.
 */
public sealed interface GatewayError {

  /** A human-readable explanation, safe to show to the caller. */
  String message();

  /** The request was malformed or had a field of the wrong type or value. HTTP 400. */
  record InvalidRequest(String message, String param, String code) implements GatewayError {
    public InvalidRequest(String message, String param) {
      this(message, param, null);
    }
  }

  /** No or wrong API key. HTTP 401. */
  record Unauthenticated(String message) implements GatewayError {}

  /** The key is valid but may not do this. HTTP 403. */
  record Forbidden(String message, String code) implements GatewayError {}

  /** The model is not configured. HTTP 404, code {@code model_not_found}. */
  record ModelNotFound(String model, String message) implements GatewayError {}

  /** No such thing (a tenant, a key, a run), or not one the caller may see. HTTP 404. */
  record NotFound(String message, String code) implements GatewayError {}

  /** The thing already exists (a tenant name). HTTP 409. */
  record Conflict(String message, String code) implements GatewayError {}

  /** No such endpoint. HTTP 404. */
  record UnknownEndpoint(String method, String path) implements GatewayError {
    @Override
    public String message() {
      return "Unknown endpoint " + method + " " + path
          + ". Sluice serves POST /v1/chat/completions, POST /v1/embeddings and GET /v1/models.";
    }
  }

  /** The endpoint exists but not for this HTTP method. HTTP 405. */
  record MethodNotAllowed(String method, String path, String allowed) implements GatewayError {
    @Override
    public String message() {
      return method + " is not allowed on " + path + "; use " + allowed + ".";
    }
  }

  /**
   * A rate limit refused the request. HTTP 429 with code {@code rate_limit_exceeded},
   * {@code Retry-After}, and the {@code x-ratelimit-*} headers OpenAI clients read.
   */
  record RateLimited(String message, Duration retryAfter, java.util.Map<String, String> headers) implements GatewayError {}

  /**
   * A budget refused the request. HTTP 429 with code {@code budget_exceeded} and
   * {@code x-should-retry: false}: retrying cannot help before the budget's period ends.
   */
  record BudgetExceeded(String message) implements GatewayError {}

  /**
   * The agent-run guard refused a call of a run: HTTP 429 with code {@code run_limit_exceeded} (a
   * limit of the run is reached) or {@code run_loop_detected} (the call continues a loop), HTTP 409
   * with code {@code run_stopped} (an operator stopped the run). Always {@code x-should-retry: false}:
   * the same call would be refused again.
   *
   * @param param the limit ({@code max_calls}...) or the loop pattern ({@code exact_repeat}...), or
   *     {@code null} for a stopped run
   */
  record RunRefused(String code, String message, String param) implements GatewayError {
    public static final String LIMIT = "run_limit_exceeded";
    public static final String LOOP = "run_loop_detected";
    public static final String STOPPED = "run_stopped";
  }

  /** The request body exceeds the configured limit. HTTP 413. */
  record PayloadTooLarge(long limitBytes) implements GatewayError {
    @Override
    public String message() {
      return "Request body exceeds the limit of " + limitBytes + " bytes (set max_request_body in the Sluice config to raise it).";
    }
  }

  /**
   * The upstream refused the request itself (a 4xx that another deployment would answer the same
   * way, such as a context-length error). Its status and error body are relayed as they are.
   */
  record UpstreamRejected(int status, String message, String type, String param, String code)
      implements GatewayError {}

  /**
   * Every deployment that could serve the request failed. HTTP 502 (bad answers), 503 (nothing
   * available or all rate-limited) or 504 (timeouts), with the last upstream failure summarised.
   */
  record UpstreamFailed(Kind kind, String message, Duration retryAfter) implements GatewayError {
    public enum Kind { BAD_GATEWAY, UNAVAILABLE, TIMEOUT }
  }

  /** A stream broke after it had started; ends an SSE stream with an error event. */
  record StreamInterrupted(String message) implements GatewayError {}

  /** A bug or an unexpected condition inside Sluice. HTTP 500; details go to the log only. */
  record Internal(String message) implements GatewayError {}
}
