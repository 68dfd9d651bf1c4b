package dev.sluice.runs;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One model call of an agent run, as the loop check sees it.
 *
 * @param request the client's chat-completion body (messages, tools, sampling parameters)
 * @param reply the assistant message that answered it ({@code content}, {@code tool_calls}), or
 *     {@code null} when it has not answered yet or failed
 * @param status the HTTP status the client got, 0 while the call is in flight
 * @param errorCode the OpenAI error code the client got, or {@code null}
 */
public record RunCall(ObjectNode request, ObjectNode reply, int status, String errorCode) {

  /** A call about to be made. */
  public static RunCall next(ObjectNode request) {
    return new RunCall(request, null, 0, null);
  }
}
