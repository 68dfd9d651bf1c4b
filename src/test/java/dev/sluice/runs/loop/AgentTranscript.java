package dev.sluice.runs.loop;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.runs.RunCall;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a run's calls the way an agent makes them: the client sends the conversation, the model
 * answers, the client appends the answer and its tool results, and sends again.
 */
final class AgentTranscript {
  private final ArrayNode messages = Json.MAPPER.createArrayNode();
  private final List<RunCall> calls = new ArrayList<>();
  private int ids;

  static AgentTranscript start(String user) {
    AgentTranscript t = new AgentTranscript();
    t.messages.addObject().put("role", "system").put("content", "You are a helpful agent.");
    t.messages.addObject().put("role", "user").put("content", user);
    return t;
  }

  /** The model asks for one tool call; the client answers it with {@code result}. */
  AgentTranscript tool(String name, String args, String result) {
    return tools(new String[] {name, args, result});
  }

  /** The model asks for several tool calls in one turn: each entry is name, arguments, result. */
  AgentTranscript tools(String[]... callAndResult) {
    ObjectNode reply = Json.MAPPER.createObjectNode().put("role", "assistant").putNull("content");
    ArrayNode tc = reply.putArray("tool_calls");
    List<String> idsOfTurn = new ArrayList<>();
    for (String[] c : callAndResult) {
      String id = "call_" + ids++;
      idsOfTurn.add(id);
      tc.addObject().put("id", id).put("type", "function").putObject("function").put("name", c[0]).put("arguments", c[1]);
    }
    record(reply);
    for (int i = 0; i < callAndResult.length; i++) {
      messages.addObject().put("role", "tool").put("tool_call_id", idsOfTurn.get(i)).put("content", callAndResult[i][2]);
    }
    return this;
  }

  /** The model answers with text; the client replies with {@code userReply}. */
  AgentTranscript text(String text, String userReply) {
    record(Json.MAPPER.createObjectNode().put("role", "assistant").put("content", text));
    messages.addObject().put("role", "user").put("content", userReply);
    return this;
  }

  /** The call about to be made fails; the conversation stays as it is (the client will retry it). */
  AgentTranscript failed(int status, String code) {
    calls.add(new RunCall(request(), null, status, code));
    return this;
  }

  /** The calls made so far, oldest first. */
  List<RunCall> history() {
    return List.copyOf(calls);
  }

  /** The call the client is about to make. */
  RunCall next() {
    return RunCall.next(request());
  }

  private void record(ObjectNode reply) {
    calls.add(new RunCall(request(), reply, 200, null));
    messages.add(reply.deepCopy());
  }

  private ObjectNode request() {
    ObjectNode body = Json.MAPPER.createObjectNode().put("model", "m");
    body.set("messages", messages.deepCopy());
    return body;
  }
}
