package dev.sluice.runs.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.sluice.api.Json;
import dev.sluice.runs.RunCall;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One call of a run as the loop checks compare it: what its request added since the model last
 * spoke. The <em>tail</em> of a request is its last assistant message (what the model did: text and
 * tool calls) followed by the messages after it (what came back: tool results, a user's reply). A
 * request without an assistant message starts a conversation; its tail is the whole conversation.
 *
 * <p>Tool-call ids are left out everywhere (they differ on every call even when nothing else does);
 * a tool result is tied to the call it answers by that call's signature instead.
 *
 * @param request fingerprint of the whole request, for "the same request again": message count,
 *     the conversation and the tail
 * @param conversation fingerprint of the conversation's opening (the messages before the first
 *     assistant one): calls of one run with different openings are different agents (sub-agents)
 * @param tail fingerprint of the tail
 * @param fresh whether the request starts a conversation (holds no assistant message)
 * @param output the last assistant message as text: its content and one line per tool call
 * @param input the messages after it as text (tool results, user messages)
 * @param uses the last assistant message's tool calls with the results the client sent back
 * @param failed whether the client got an error for this call (then it is not a model turn)
 * @param errorCode the error code the client got, or the status as text when there was none
 */
record Step(String request, String conversation, String tail, boolean fresh, String output, String input, List<ToolUse> uses,
    boolean failed, String errorCode) {

  /**
   * A tool call and its result.
   *
   * @param signature the tool name followed by its arguments as canonical JSON (keys sorted)
   * @param result the tool message answering it, or the empty string when none did
   */
  record ToolUse(String signature, String result) {
    /** Whether the result reads as a failure: a leading "error"/"exception"/"failed"/"traceback", or a JSON {@code error}. */
    boolean isError() {
      return ERROR.matcher(result).lookingAt() || ERROR_JSON.matcher(result).find();
    }
  }

  private static final Pattern ERROR = Pattern.compile(
      "\\s*(error|exception|traceback|fatal|failed|failure)\\b", Pattern.CASE_INSENSITIVE);
  private static final Pattern ERROR_JSON = Pattern.compile(
      "^\\s*\\{.*\"error\"\\s*:\\s*(?!null|false)", Pattern.DOTALL);

  static Step of(RunCall call) {
    JsonNode messages = call.request().path("messages");
    int n = messages.size();
    int lastAssistant = -1;
    int firstAssistant = -1;
    for (int i = 0; i < n; i++) {
      if ("assistant".equals(messages.get(i).path("role").asText())) {
        if (firstAssistant < 0) firstAssistant = i;
        lastAssistant = i;
      }
    }
    boolean failed = call.status() >= 400;
    String errorCode = failed ? (call.errorCode() != null ? call.errorCode() : Integer.toString(call.status())) : null;
    StringBuilder opening = new StringBuilder();
    int openingEnd = firstAssistant < 0 ? n : firstAssistant;
    for (int i = 0; i < openingEnd; i++) {
      JsonNode m = messages.get(i);
      opening.append(m.path("role").asText()).append(':').append(text(m.path("content"))).append('\n');
    }
    String conversation = digest(opening.toString());
    if (lastAssistant < 0) {
      StringBuilder input = new StringBuilder();
      for (JsonNode m : messages) {
        if (!"system".equals(m.path("role").asText())) input.append(text(m.path("content"))).append('\n');
      }
      String tail = digest(opening + "\u0000" + canonical(call.request().path("tools")));
      return new Step(digest(n + "\u0000" + tail), conversation, tail, true, "", input.toString().strip(), List.of(),
          failed, errorCode);
    }
    JsonNode assistant = messages.get(lastAssistant);
    Map<String, String> signatureById = new HashMap<>();
    List<String> signatures = new ArrayList<>();
    StringBuilder output = new StringBuilder(text(assistant.path("content")));
    for (JsonNode tc : assistant.path("tool_calls")) {
      String sig = signature(tc.path("function"));
      signatures.add(sig);
      signatureById.put(tc.path("id").asText(), sig);
      if (!output.isEmpty()) output.append('\n');
      output.append(sig);
    }
    Map<String, String> resultById = new HashMap<>();
    StringBuilder input = new StringBuilder();
    StringBuilder tail = new StringBuilder(output).append('\u0000');
    for (int i = lastAssistant + 1; i < n; i++) {
      JsonNode m = messages.get(i);
      String role = m.path("role").asText();
      String content = text(m.path("content"));
      if (!input.isEmpty()) input.append('\n');
      input.append(content);
      if ("tool".equals(role)) {
        String sig = signatureById.getOrDefault(m.path("tool_call_id").asText(), "?");
        resultById.putIfAbsent(m.path("tool_call_id").asText(), content);
        tail.append("tool:").append(sig).append('=').append(content).append('\n');
      } else {
        tail.append(role).append(':').append(content).append('\n');
      }
    }
    List<ToolUse> uses = new ArrayList<>();
    int k = 0;
    for (JsonNode tc : assistant.path("tool_calls")) {
      uses.add(new ToolUse(signatures.get(k++), resultById.getOrDefault(tc.path("id").asText(), "")));
    }
    String tailDigest = digest(tail.toString());
    return new Step(digest(n + "\u0000" + conversation + "\u0000" + tailDigest), conversation, tailDigest, false,
        output.toString(),
        input.toString(), List.copyOf(uses), failed, errorCode);
  }

  /** Tool name and canonical arguments: {@code search {"q":"x"}}. */
  static String signature(JsonNode function) {
    String name = function.path("name").asText();
    JsonNode args = function.path("arguments");
    String canonicalArgs;
    if (args.isTextual()) {
      try {
        canonicalArgs = canonical(Json.MAPPER.readTree(args.asText()));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        canonicalArgs = args.asText().strip();
      }
    } else {
      canonicalArgs = canonical(args);
    }
    return name + " " + canonicalArgs;
  }

  /** JSON text with object keys sorted at every depth, so that key order never makes two calls differ. */
  static String canonical(JsonNode node) {
    StringBuilder out = new StringBuilder();
    canonical(node, out);
    return out.toString();
  }

  private static void canonical(JsonNode node, StringBuilder out) {
    if (node == null || node.isMissingNode()) return;
    if (node.isObject()) {
      TreeMap<String, JsonNode> sorted = new TreeMap<>();
      node.properties().forEach(e -> sorted.put(e.getKey(), e.getValue()));
      out.append('{');
      boolean first = true;
      for (var e : sorted.entrySet()) {
        if (!first) out.append(',');
        first = false;
        out.append(TextNode.valueOf(e.getKey()).toString()).append(':');
        canonical(e.getValue(), out);
      }
      out.append('}');
    } else if (node.isArray()) {
      out.append('[');
      for (int i = 0; i < node.size(); i++) {
        if (i > 0) out.append(',');
        canonical(node.get(i), out);
      }
      out.append(']');
    } else {
      out.append(node.toString());
    }
  }

  /** A message's content as text: a string as is, content parts joined, anything else as canonical JSON. */
  static String text(JsonNode content) {
    if (content == null || content.isMissingNode() || content.isNull()) return "";
    if (content.isTextual()) return content.asText();
    if (content.isArray()) {
      StringBuilder out = new StringBuilder();
      for (JsonNode part : content) {
        if (part.has("text")) out.append(part.path("text").asText());
        else out.append(canonical(part));
      }
      return out.toString();
    }
    return canonical(content);
  }

  private static String digest(String s) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

}
