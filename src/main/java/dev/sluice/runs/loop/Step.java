package dev.sluice.runs.loop;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.Json;
import dev.sluice.runs.RunCall;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One call of a run as the loop checks compare it: what its request added since the model last
 * spoke. The <em>tail</em> of a request is its last assistant message (what the model did: text and
 * tool calls) followed by the messages after it (what came back: tool results, a user's reply). A
 * request without an assistant message starts a conversation; its tail is the whole conversation.
 * The <em>opening</em> of a conversation is its messages before the first assistant one: calls of
 * one run with different openings belong to different agents (sub-agents).
 *
 * <p>Tool-call ids are left out everywhere (they differ on every call even when nothing else does);
 * a tool result is tied to the call it answers by that call's signature instead.
 *
 * <p>Lazy: the tail is read only when a check asks for it (most checks stop at the last few calls),
 * and openings are compared in place. Fingerprints are canonical texts compared for equality. Not
 * thread-safe: an instance is used on one thread (the detector keeps each thread's steps of the
 * calls it saw lately, so a call is reduced once however many inspections see it).
 */
final class Step {

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

  private final RunCall call;
  private final JsonNode messages;
  private final int n;
  private final int lastAssistant;
  private final int openingEnd;
  private String tail;
  private String output;
  private String input;
  private List<ToolUse> uses;
  private Step conversationComparedWith; // every check compares with the next call: keep the last answer
  private boolean sameConversationAsCompared;

  private Step(RunCall call) {
    this.call = call;
    this.messages = call.request().path("messages");
    this.n = messages.size();
    int last = n - 1;
    while (last >= 0 && !"assistant".equals(messages.get(last).path("role").asText())) last--;
    this.lastAssistant = last;
    int first = 0;
    while (first <= last && !"assistant".equals(messages.get(first).path("role").asText())) first++;
    this.openingEnd = last < 0 ? n : first;
  }

  /** The same request answered otherwise: what was read of the request is kept, not read again. */
  private Step(Step read, RunCall call) {
    this.call = call;
    this.messages = read.messages;
    this.n = read.n;
    this.lastAssistant = read.lastAssistant;
    this.openingEnd = read.openingEnd;
    this.tail = read.tail;
    this.output = read.output;
    this.input = read.input;
    this.uses = read.uses;
  }

  static Step of(RunCall call) {
    return new Step(call);
  }

  /**
   * The step of {@code call}: this one when it is of that very call, a step sharing what this one
   * read when the call carries the very same request object (a call about to be made, then the
   * same call answered), or null.
   */
  Step reusedFor(RunCall c) {
    if (call == c) return this;
    return call.request() == c.request() ? new Step(this, c) : null;
  }

  /** Whether the request starts a conversation (holds no assistant message). */
  boolean fresh() {
    return lastAssistant < 0;
  }

  /** Whether the client got an error for this call (then it is not a model turn). */
  boolean failed() {
    return call.status() >= 400;
  }

  /** The error code the client got, the status as text when there was none, or {@code null}. */
  String errorCode() {
    if (!failed()) return null;
    return call.errorCode() != null ? call.errorCode() : Integer.toString(call.status());
  }

  /** Whether both calls belong to the same conversation (equal openings). */
  boolean sameConversation(Step o) {
    if (o != conversationComparedWith) {
      conversationComparedWith = o;
      sameConversationAsCompared = sameOpening(o);
    }
    return sameConversationAsCompared;
  }

  private boolean sameOpening(Step o) {
    if (openingEnd != o.openingEnd) return false;
    if (messages == o.messages) return true;
    for (int i = 0; i < openingEnd; i++) {
      JsonNode a = messages.get(i);
      JsonNode b = o.messages.get(i);
      if (!a.path("role").equals(b.path("role")) || !a.path("content").equals(b.path("content"))) return false;
    }
    return true;
  }

  /** Whether both are the same request: same conversation, same length, same tail (tools too, for a fresh one). */
  boolean sameRequest(Step o) {
    return n == o.n && sameConversation(o) && tail().equals(o.tail());
  }

  /** The tail as a canonical text (fingerprint). */
  String tail() {
    if (tail == null) reduce();
    return tail;
  }

  /** The last assistant message as text: its content and one line per tool call. */
  String output() {
    if (tail == null) reduce();
    return output;
  }

  /** The messages after it as text (tool results, user messages). */
  String input() {
    if (tail == null) reduce();
    return input;
  }

  /** The last assistant message's tool calls with the results the client sent back. */
  List<ToolUse> uses() {
    if (tail == null) reduce();
    return uses;
  }

  private void reduce() {
    if (lastAssistant < 0) {
      StringBuilder all = new StringBuilder();
      StringBuilder in = new StringBuilder();
      for (JsonNode m : messages) {
        String role = m.path("role").asText();
        String content = text(m.path("content"));
        all.append(role).append(':').append(content).append('\n');
        if (!"system".equals(role)) in.append(content).append('\n');
      }
      tail = all.append('\u0000').append(canonical(call.request().path("tools"))).toString();
      output = "";
      input = in.toString().strip();
      uses = List.of();
      return;
    }
    JsonNode assistant = messages.get(lastAssistant);
    Map<String, String> signatureById = new HashMap<>();
    List<String> signatures = new ArrayList<>();
    StringBuilder out = output(assistant, signatures);
    int s = 0;
    for (JsonNode tc : assistant.path("tool_calls")) signatureById.put(tc.path("id").asText(), signatures.get(s++));
    Map<String, String> resultById = new HashMap<>();
    StringBuilder in = new StringBuilder();
    StringBuilder t = new StringBuilder(out).append('\u0000');
    for (int i = lastAssistant + 1; i < n; i++) {
      JsonNode m = messages.get(i);
      String role = m.path("role").asText();
      String content = text(m.path("content"));
      if (!in.isEmpty()) in.append('\n');
      in.append(content);
      if ("tool".equals(role)) {
        String id = m.path("tool_call_id").asText();
        resultById.putIfAbsent(id, content);
        t.append("tool:").append(signatureById.getOrDefault(id, "?")).append('=').append(content).append('\n');
      } else {
        t.append(role).append(':').append(content).append('\n');
      }
    }
    List<ToolUse> u = new ArrayList<>();
    int k = 0;
    for (JsonNode tc : assistant.path("tool_calls")) {
      u.add(new ToolUse(signatures.get(k++), resultById.getOrDefault(tc.path("id").asText(), "")));
    }
    tail = t.toString();
    output = out.toString();
    input = in.toString();
    uses = List.copyOf(u);
  }

  /**
   * What an assistant message did, as {@link #output()} shows it for the call whose request ends
   * with it: its text, then one line per tool call.
   */
  static String outputOf(JsonNode assistantMessage) {
    return output(assistantMessage, new ArrayList<>()).toString();
  }

  private static StringBuilder output(JsonNode assistant, List<String> signatures) {
    StringBuilder out = new StringBuilder(text(assistant.path("content")));
    for (JsonNode tc : assistant.path("tool_calls")) {
      String sig = signature(tc.path("function"));
      signatures.add(sig);
      if (!out.isEmpty()) out.append('\n');
      out.append(sig);
    }
    return out;
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
        out.append('"').append(JsonStringEncoder.getInstance().quoteAsString(e.getKey())).append("\":");
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
    } else if (node.isTextual()) {
      out.append('"').append(JsonStringEncoder.getInstance().quoteAsString(node.textValue())).append('"');
    } else {
      out.append(node.asText());
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
}
