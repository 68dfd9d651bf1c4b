package dev.sluice.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.config.GatewayConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

/**
 * One client request as the stages see it. Immutable: a stage that learns something (who the
 * caller is) passes a copy to {@link Chain#proceed}. The {@code body} is the client's JSON as
 * received, with fields Sluice does not know kept for the upstream; nobody mutates it (codecs write
 * a new upstream body).
 *
 * @param model the model the client asked for
 * @param stream whether the client asked for an SSE stream
 * @param includeUsage whether the client asked for the final usage chunk of a stream
 * @param headers the client's request headers (read-only)
 * @param principal who is calling; {@code null} until the identify stage has run
 * @param attribution what the request is spent on (feature, user, run, tags)
 * @param trace what happened while serving it, filled in by the stages
 * @param startNanos when the request arrived, on the gateway's nano clock
 * @param deadlineNanos when the request must be answered by, all retries included
 * @param bodyBytes the bytes {@code body} was read from, or null when it was not read from bytes
 *     (a cascade's serving body): an upstream body equal to the client's may be sent as these
 */
public record Call(
    String requestId,
    Operation operation,
    ObjectNode body,
    String model,
    boolean stream,
    boolean includeUsage,
    MultiMap headers,
    Principal principal,
    Attribution attribution,
    RequestTrace trace,
    GatewayConfig config,
    long startNanos,
    long deadlineNanos,
    Buffer bodyBytes) {

  /** A call whose body was not read from bytes. */
  public Call(String requestId, Operation operation, ObjectNode body, String model, boolean stream,
      boolean includeUsage, MultiMap headers, Principal principal, Attribution attribution, RequestTrace trace,
      GatewayConfig config, long startNanos, long deadlineNanos) {
    this(requestId, operation, body, model, stream, includeUsage, headers, principal, attribution, trace, config,
        startNanos, deadlineNanos, null);
  }

  /**
   * The same request sent to another configured model (a cascade's cheap or strong model), with
   * its own body and streaming choice; the client's body stays untouched.
   */
  public Call forModel(String servingModel, ObjectNode servingBody, boolean servingStream) {
    return new Call(requestId, operation, servingBody, servingModel, servingStream, servingStream && includeUsage,
        headers, principal, attribution, trace, config, startNanos, deadlineNanos,
        servingBody == body ? bodyBytes : null);
  }

  public Call withPrincipal(Principal p) {
    return new Call(requestId, operation, body, model, stream, includeUsage, headers, p, attribution, trace, config,
        startNanos, deadlineNanos, bodyBytes);
  }
}
