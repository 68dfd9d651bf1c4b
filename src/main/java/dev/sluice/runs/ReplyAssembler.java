package dev.sluice.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;

/**
 * Puts the assistant message of a streamed chat completion back together from its chunks: the
 * content deltas of the first choice joined, and each tool call (by its {@code index}) with its
 * id, type, function name and the pieces of its arguments joined. Not thread-safe: a stream's
 * chunks arrive on one event loop.
 */
final class ReplyAssembler {
  private final StringBuilder content = new StringBuilder();
  private ObjectNode[] toolCalls = new ObjectNode[0];
  private StringBuilder[] arguments = new StringBuilder[0];
  private boolean any;

  void add(ObjectNode chunk) {
    JsonNode delta = chunk.path("choices").path(0).path("delta");
    if (!delta.isObject()) return;
    JsonNode text = delta.get("content");
    if (text != null && text.isTextual()) {
      content.append(text.asText());
      any = true;
    }
    JsonNode calls = delta.get("tool_calls");
    if (calls == null || !calls.isArray()) return;
    for (JsonNode call : calls) {
      int i = call.path("index").asInt(0);
      if (i < 0 || i > 127) continue;
      if (i >= toolCalls.length) grow(i + 1);
      if (toolCalls[i] == null) {
        toolCalls[i] = Json.MAPPER.createObjectNode();
        arguments[i] = new StringBuilder();
      }
      ObjectNode target = toolCalls[i];
      if (call.hasNonNull("id")) target.put("id", call.get("id").asText());
      if (call.hasNonNull("type")) target.put("type", call.get("type").asText());
      JsonNode fn = call.path("function");
      if (fn.hasNonNull("name")) target.put("name", fn.get("name").asText());
      if (fn.hasNonNull("arguments")) arguments[i].append(fn.get("arguments").asText());
      any = true;
    }
  }

  /** The assistant message so far ({@code role}, {@code content}, {@code tool_calls}), or null when nothing came. */
  ObjectNode message() {
    if (!any) return null;
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("role", "assistant");
    if (content.isEmpty()) m.putNull("content"); else m.put("content", content.toString());
    ArrayNode calls = null;
    for (int i = 0; i < toolCalls.length; i++) {
      if (toolCalls[i] == null) continue;
      if (calls == null) calls = m.putArray("tool_calls");
      ObjectNode c = calls.addObject();
      ObjectNode t = toolCalls[i];
      if (t.has("id")) c.put("id", t.get("id").asText());
      c.put("type", t.path("type").asText("function"));
      ObjectNode fn = c.putObject("function");
      fn.put("name", t.path("name").asText(""));
      fn.put("arguments", arguments[i].toString());
    }
    return m;
  }

  private void grow(int size) {
    toolCalls = java.util.Arrays.copyOf(toolCalls, size);
    arguments = java.util.Arrays.copyOf(arguments, size);
  }
}
