package dev.sluice.provider.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import dev.sluice.provider.UpstreamException;
import dev.sluice.provider.UpstreamFailure;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Pure translation between OpenAI chat completions and the Anthropic Messages API
 * ({@code POST /v1/messages}, {@code anthropic-version: 2023-06-01}). No I/O, no logging; bad
 * client input fails with a {@link GatewayException} ({@link GatewayError.InvalidRequest} naming
 * the parameter), bad upstream answers with an {@link UpstreamException}.
 *
 * <h2>Request: OpenAI to Anthropic</h2>
 *
 * <ul>
 *   <li>{@code system} and {@code developer} messages, wherever they appear, become the top-level
 *       {@code system} (a string for one message, text blocks for several, in order).
 *   <li>Every other message becomes a turn of content blocks: text; {@code image_url} as an image
 *       block (a {@code data:} URL as base64, an http(s) URL as a URL source); a PDF {@code file}
 *       given as a {@code data:} URL as a document block; an assistant's {@code tool_calls} as
 *       {@code tool_use} blocks with the arguments parsed into {@code input}; a {@code tool}
 *       message as a {@code tool_result} block in a user turn. Consecutive turns of the same role
 *       are merged, and in a user turn the tool results go first, as Anthropic requires. Empty
 *       text parts are dropped (Anthropic rejects them), and trailing whitespace is trimmed from a
 *       final assistant turn (a prefill), which Anthropic also rejects.
 *   <li>A {@code cache_control} on a content part, a system part or a tool is copied to the
 *       Anthropic block, so clients can mark prompt-cache breakpoints through Sluice.
 *   <li>{@code tools} (type {@code function}) become {@code {name, description, input_schema}};
 *       {@code tool_choice} {@code auto}/{@code none}/{@code required}/named function become
 *       {@code auto}/{@code none}/{@code any}/{@code tool}; {@code parallel_tool_calls: false}
 *       sets {@code disable_parallel_tool_use}. Without tools, {@code tool_choice} is dropped.
 *   <li>{@code max_completion_tokens}, else {@code max_tokens}, becomes {@code max_tokens}, which
 *       Anthropic requires: when the client sends neither, Sluice asks for
 *       {@value #DEFAULT_MAX_TOKENS}, the largest output every Claude model accepts.
 *   <li>{@code temperature} is clamped to Anthropic's range 0..1 (OpenAI allows up to 2);
 *       {@code top_p}, {@code stop} (as {@code stop_sequences}), {@code user} (as
 *       {@code metadata.user_id}) and {@code stream} map directly. Anthropic's own {@code top_k}
 *       and {@code thinking}, which an OpenAI SDK can send as extra body fields, pass through.
 * </ul>
 *
 * <p>Fields Anthropic cannot honour are decided one by one. Refused with a 400, because ignoring
 * them would silently change the answer the client gets: {@code n} above 1 (Anthropic answers
 * with one choice), {@code logprobs: true} and {@code top_logprobs} (Anthropic has no log
 * probabilities), {@code response_format} of type {@code json_object} or {@code json_schema}
 * (no JSON mode in this API version), a non-empty {@code logit_bias} (token ids of another
 * tokenizer), {@code modalities} other than text, {@code audio} input or output, non-function
 * tools, and messages that cannot be expressed (the legacy {@code function} role, OpenAI file
 * ids). Ignored, because they tune sampling or serve OpenAI's own platform and the answer keeps
 * its shape: {@code seed}, {@code presence_penalty}, {@code frequency_penalty},
 * {@code reasoning_effort}, {@code service_tier}, {@code store}, {@code metadata},
 * {@code prediction}, {@code stream_options} (Anthropic always reports usage), message
 * {@code name}s, tools' {@code strict}, and any field Sluice does not know.
 *
 * <h2>Answer: Anthropic to OpenAI</h2>
 *
 * <p>Text blocks are joined into {@code message.content}; {@code tool_use} blocks become
 * {@code tool_calls} with the input as a JSON string; thinking blocks are not returned (OpenAI's
 * chat format has no place for them). {@code stop_reason} maps as {@code end_turn},
 * {@code stop_sequence}, {@code pause_turn} to {@code stop}; {@code max_tokens},
 * {@code model_context_window_exceeded} to {@code length}; {@code tool_use} to
 * {@code tool_calls}; {@code refusal} to {@code content_filter}. Usage: see {@link #usage}. The
 * Anthropic message id is kept as the completion id.
 */
public final class AnthropicCodec {
  private AnthropicCodec() {}

  /** The {@code max_tokens} sent when the client set no limit. */
  public static final int DEFAULT_MAX_TOKENS = 4096;

  private static final JsonNodeFactory NODES = Json.MAPPER.getNodeFactory();

  // ---------------------------------------------------------------- request

  /** The Anthropic request body for a client's OpenAI chat request, serialised. */
  public static Buffer requestBody(ObjectNode client, String upstreamModel, boolean stream) {
    try {
      return Buffer.buffer(Json.MAPPER.writeValueAsBytes(request(client, upstreamModel, stream)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a JSON tree", e);
    }
  }

  /** The Anthropic request for a client's OpenAI chat request. */
  public static ObjectNode request(ObjectNode client, String upstreamModel, boolean stream) {
    refuseUnsupported(client);
    ObjectNode out = NODES.objectNode();
    out.put("model", upstreamModel);
    Conversation c = conversation(client.get("messages"));
    if (c.system.size() == 1 && !c.system.get(0).has("cache_control")) {
      out.put("system", c.system.get(0).get("text").asText());
    } else if (!c.system.isEmpty()) {
      out.set("system", c.system);
    }
    out.set("messages", c.turns);
    out.put("max_tokens", maxTokens(client));
    JsonNode temperature = client.get("temperature");
    if (temperature != null && temperature.isNumber()) {
      out.put("temperature", Math.max(0.0, Math.min(1.0, temperature.asDouble())));
    }
    copyIfPresent(client, "top_p", out);
    copyIfPresent(client, "top_k", out);
    copyIfPresent(client, "thinking", out);
    JsonNode stop = client.get("stop");
    if (stop != null && stop.isTextual()) {
      out.putArray("stop_sequences").add(stop.asText());
    } else if (stop != null && stop.isArray() && !stop.isEmpty()) {
      out.set("stop_sequences", stop.deepCopy());
    }
    JsonNode user = client.get("user");
    if (user != null && user.isTextual() && !user.asText().isEmpty()) {
      out.putObject("metadata").put("user_id", user.asText());
    }
    ArrayNode tools = tools(client.get("tools"));
    if (!tools.isEmpty()) {
      out.set("tools", tools);
      ObjectNode choice = toolChoice(client);
      if (choice != null) out.set("tool_choice", choice);
    }
    if (stream) out.put("stream", true);
    return out;
  }

  private static void refuseUnsupported(ObjectNode client) {
    JsonNode n = client.get("n");
    if (n != null && n.isNumber() && n.asInt() > 1) {
      throw unsupported("'n' = " + n.asText() + " is not supported for this model: Anthropic returns one choice "
          + "per request. Omit 'n' (or send 1) and make several requests.", "n");
    }
    if (client.path("logprobs").asBoolean(false)) {
      throw unsupported("'logprobs' is not supported for this model: Anthropic returns no log probabilities. "
          + "Omit it or set it to false.", "logprobs");
    }
    JsonNode top = client.get("top_logprobs");
    if (top != null && top.isNumber() && top.asInt() > 0) {
      throw unsupported("'top_logprobs' is not supported for this model: Anthropic returns no log probabilities.",
          "top_logprobs");
    }
    JsonNode format = client.get("response_format");
    if (format != null && format.isObject()) {
      String type = format.path("type").asText("text");
      if (!type.equals("text")) {
        throw unsupported("'response_format' of type '" + type + "' is not supported for this model: the Anthropic "
            + "Messages API has no JSON mode. Describe the format in the prompt, or use a tool with an input "
            + "schema to get structured output.", "response_format");
      }
    }
    JsonNode bias = client.get("logit_bias");
    if (bias != null && bias.isObject() && !bias.isEmpty()) {
      throw unsupported("'logit_bias' is not supported for this model: Anthropic does not accept token biases.",
          "logit_bias");
    }
    JsonNode modalities = client.get("modalities");
    if (modalities != null && modalities.isArray()) {
      for (JsonNode m : modalities) {
        if (!"text".equals(m.asText())) {
          throw unsupported("'modalities' may only contain \"text\" for this model: Anthropic answers in text.",
              "modalities");
        }
      }
    }
    JsonNode audio = client.get("audio");
    if (audio != null && !audio.isNull()) {
      throw unsupported("'audio' output is not supported for this model: Anthropic answers in text.", "audio");
    }
  }

  private static long maxTokens(ObjectNode client) {
    for (String field : new String[] {"max_completion_tokens", "max_tokens"}) {
      JsonNode v = client.get(field);
      if (v != null && v.isNumber()) return v.asLong();
    }
    return DEFAULT_MAX_TOKENS;
  }

  private static void copyIfPresent(ObjectNode from, String field, ObjectNode to) {
    JsonNode v = from.get(field);
    if (v != null && !v.isNull()) to.set(field, v.deepCopy());
  }

  /** The system blocks and the turns of a conversation. */
  private record Conversation(ArrayNode system, ArrayNode turns) {}

  private static Conversation conversation(JsonNode messages) {
    if (messages == null || !messages.isArray()) {
      throw invalid("Missing required parameter: 'messages'.", "messages");
    }
    ArrayNode system = NODES.arrayNode();
    List<ObjectNode> turns = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String param = "messages[" + i + "]";
      String role = m.path("role").asText();
      switch (role) {
        case "system", "developer" -> system.addAll(systemBlocks(m.get("content"), param));
        case "user" -> append(turns, "user", userBlocks(m.get("content"), param));
        case "assistant" -> append(turns, "assistant", assistantBlocks(m, param));
        case "tool" -> append(turns, "user", List.of(toolResult(m, param)));
        case "function" -> throw unsupported("The legacy 'function' role is not supported for this model; send tool "
            + "results as 'tool' messages with a 'tool_call_id'.", param + ".role");
        default -> throw invalid("Invalid '" + param + ".role': '" + role
            + "' is not one of system, developer, user, assistant, tool.", param + ".role");
      }
    }
    trimFinalAssistant(turns);
    ArrayNode out = NODES.arrayNode();
    for (ObjectNode t : turns) {
      if ("user".equals(t.get("role").asText())) toolResultsFirst((ArrayNode) t.get("content"));
      out.add(t);
    }
    return new Conversation(system, out);
  }

  /** Adds blocks to the last turn when it has the same role (Anthropic wants roles to alternate). */
  private static void append(List<ObjectNode> turns, String role, List<ObjectNode> blocks) {
    if (blocks.isEmpty()) return;
    ObjectNode last = turns.isEmpty() ? null : turns.getLast();
    ArrayNode content;
    if (last != null && role.equals(last.get("role").asText())) {
      content = (ArrayNode) last.get("content");
    } else {
      ObjectNode turn = NODES.objectNode();
      turn.put("role", role);
      content = turn.putArray("content");
      turns.add(turn);
    }
    content.addAll(blocks);
  }

  private static void toolResultsFirst(ArrayNode content) {
    List<JsonNode> results = new ArrayList<>();
    List<JsonNode> rest = new ArrayList<>();
    for (JsonNode b : content) {
      ("tool_result".equals(b.path("type").asText()) ? results : rest).add(b);
    }
    if (results.isEmpty() || rest.isEmpty()) return;
    content.removeAll();
    content.addAll(results);
    content.addAll(rest);
  }

  private static void trimFinalAssistant(List<ObjectNode> turns) {
    if (turns.isEmpty() || !"assistant".equals(turns.getLast().get("role").asText())) return;
    ArrayNode content = (ArrayNode) turns.getLast().get("content");
    JsonNode last = content.get(content.size() - 1);
    if (!"text".equals(last.path("type").asText())) return;
    String trimmed = last.get("text").asText().stripTrailing();
    if (trimmed.isEmpty()) {
      content.remove(content.size() - 1);
      if (content.isEmpty()) turns.removeLast();
    } else {
      ((ObjectNode) last).put("text", trimmed);
    }
  }

  private static List<ObjectNode> systemBlocks(JsonNode content, String param) {
    List<ObjectNode> out = new ArrayList<>();
    if (content == null || content.isNull()) return out;
    if (content.isTextual()) {
      addText(out, content.asText(), null);
      return out;
    }
    if (!content.isArray()) throw invalid("Invalid type for '" + param + ".content': expected a string or an array of text parts.", param + ".content");
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      if (!"text".equals(part.path("type").asText())) {
        throw invalid("Invalid '" + param + ".content[" + j + "]': system and developer messages may only hold text parts.",
            param + ".content[" + j + "]");
      }
      addText(out, part.path("text").asText(), part.get("cache_control"));
    }
    return out;
  }

  private static List<ObjectNode> userBlocks(JsonNode content, String param) {
    List<ObjectNode> out = new ArrayList<>();
    if (content == null || content.isNull()) return out;
    if (content.isTextual()) {
      addText(out, content.asText(), null);
      return out;
    }
    if (!content.isArray()) throw invalid("Invalid type for '" + param + ".content': expected a string or an array of content parts.", param + ".content");
    for (int j = 0; j < content.size(); j++) {
      JsonNode part = content.get(j);
      String partParam = param + ".content[" + j + "]";
      String type = part.path("type").asText();
      switch (type) {
        case "text" -> addText(out, part.path("text").asText(), part.get("cache_control"));
        case "image_url" -> out.add(withCache(image(part.get("image_url"), partParam), part.get("cache_control")));
        case "file" -> out.add(withCache(document(part.get("file"), partParam), part.get("cache_control")));
        case "input_audio" -> throw unsupported("Audio input ('" + partParam + "') is not supported for this model.", partParam);
        default -> throw unsupported("Content part type '" + type + "' ('" + partParam
            + "') is not supported for this model; use text, image_url or a PDF file.", partParam);
      }
    }
    return out;
  }

  private static ObjectNode image(JsonNode imageUrl, String param) {
    String url = imageUrl == null ? "" : imageUrl.isTextual() ? imageUrl.asText() : imageUrl.path("url").asText();
    ObjectNode block = NODES.objectNode().put("type", "image");
    block.set("source", source(url, param + ".image_url.url", "an image"));
    return block;
  }

  private static ObjectNode document(JsonNode file, String param) {
    String data = file == null ? "" : file.path("file_data").asText("");
    if (data.isEmpty()) {
      throw unsupported("'" + param + "': only files sent inline as 'file_data' (a data: URL) are supported for this "
          + "model; OpenAI file ids cannot be read by Anthropic.", param + ".file");
    }
    ObjectNode source = source(data, param + ".file.file_data", "a document");
    if (!"application/pdf".equals(source.path("media_type").asText())) {
      throw unsupported("'" + param + "': only PDF files are supported for this model.", param + ".file.file_data");
    }
    ObjectNode block = NODES.objectNode().put("type", "document");
    block.set("source", source);
    return block;
  }

  /** A base64 source from a {@code data:} URL, or a URL source from an http(s) URL. */
  private static ObjectNode source(String url, String param, String what) {
    ObjectNode source = NODES.objectNode();
    if (url.startsWith("data:")) {
      int comma = url.indexOf(',');
      String meta = comma < 0 ? "" : url.substring(5, comma);
      if (comma < 0 || !meta.endsWith(";base64")) {
        throw invalid("Invalid '" + param + "': expected a base64 data: URL such as data:image/png;base64,...", param);
      }
      source.put("type", "base64");
      source.put("media_type", meta.substring(0, meta.length() - ";base64".length()));
      source.put("data", url.substring(comma + 1));
    } else if (url.startsWith("https://") || url.startsWith("http://")) {
      source.put("type", "url");
      source.put("url", url);
    } else {
      throw invalid("Invalid '" + param + "': expected " + what + " as an http(s) URL or a base64 data: URL.", param);
    }
    return source;
  }

  private static List<ObjectNode> assistantBlocks(JsonNode m, String param) {
    List<ObjectNode> out = new ArrayList<>();
    JsonNode content = m.get("content");
    if (content != null && content.isTextual()) {
      addText(out, content.asText(), null);
    } else if (content != null && content.isArray()) {
      for (int j = 0; j < content.size(); j++) {
        JsonNode part = content.get(j);
        String type = part.path("type").asText();
        switch (type) {
          case "text" -> addText(out, part.path("text").asText(), part.get("cache_control"));
          case "refusal" -> addText(out, part.path("refusal").asText(), null);
          default -> throw unsupported("Assistant content part type '" + type + "' ('" + param + ".content[" + j
              + "]') is not supported for this model; use text.", param + ".content[" + j + "]");
        }
      }
    } else if (content != null && !content.isNull()) {
      throw invalid("Invalid type for '" + param + ".content': expected a string, an array or null.", param + ".content");
    }
    JsonNode calls = m.get("tool_calls");
    if (calls != null && calls.isArray()) {
      for (int j = 0; j < calls.size(); j++) out.add(toolUse(calls.get(j), param + ".tool_calls[" + j + "]"));
    }
    return out;
  }

  private static ObjectNode toolUse(JsonNode call, String param) {
    String id = call.path("id").asText("");
    if (id.isEmpty()) throw invalid("Missing required parameter: '" + param + ".id'.", param + ".id");
    JsonNode function = call.path("function");
    String name = function.path("name").asText("");
    if (name.isEmpty()) throw invalid("Missing required parameter: '" + param + ".function.name'.", param + ".function.name");
    JsonNode args = function.get("arguments");
    JsonNode input;
    if (args == null || args.isNull() || (args.isTextual() && args.asText().isBlank())) {
      input = NODES.objectNode();
    } else if (args.isObject()) {
      input = args.deepCopy();
    } else {
      try {
        input = Json.MAPPER.readTree(args.asText());
      } catch (IOException e) {
        input = null;
      }
      if (input == null || !input.isObject()) {
        throw invalid("Invalid '" + param + ".function.arguments': expected a JSON object encoded as a string.",
            param + ".function.arguments");
      }
    }
    ObjectNode block = NODES.objectNode();
    block.put("type", "tool_use");
    block.put("id", id);
    block.put("name", name);
    block.set("input", input);
    return block;
  }

  private static ObjectNode toolResult(JsonNode m, String param) {
    String id = m.path("tool_call_id").asText("");
    if (id.isEmpty()) throw invalid("Missing required parameter: '" + param + ".tool_call_id'.", param + ".tool_call_id");
    ObjectNode block = NODES.objectNode();
    block.put("type", "tool_result");
    block.put("tool_use_id", id);
    JsonNode content = m.get("content");
    if (content != null && content.isTextual()) {
      if (!content.asText().isEmpty()) block.put("content", content.asText());
    } else if (content != null && content.isArray()) {
      List<ObjectNode> parts = userBlocks(content, param);
      if (!parts.isEmpty()) block.putArray("content").addAll(parts);
    }
    return block;
  }

  private static void addText(List<ObjectNode> out, String text, JsonNode cacheControl) {
    if (text.isEmpty()) return;
    out.add(withCache(NODES.objectNode().put("type", "text").put("text", text), cacheControl));
  }

  private static ObjectNode withCache(ObjectNode block, JsonNode cacheControl) {
    if (cacheControl != null && cacheControl.isObject()) block.set("cache_control", cacheControl.deepCopy());
    return block;
  }

  private static ArrayNode tools(JsonNode tools) {
    ArrayNode out = NODES.arrayNode();
    if (tools == null || !tools.isArray()) return out;
    for (int i = 0; i < tools.size(); i++) {
      JsonNode t = tools.get(i);
      String param = "tools[" + i + "]";
      String type = t.path("type").asText("function");
      if (!type.equals("function")) {
        throw unsupported("Tool type '" + type + "' ('" + param + ".type') is not supported for this model; only "
            + "function tools are.", param + ".type");
      }
      JsonNode f = t.path("function");
      String name = f.path("name").asText("");
      if (name.isEmpty()) throw invalid("Missing required parameter: '" + param + ".function.name'.", param + ".function.name");
      ObjectNode tool = out.addObject();
      tool.put("name", name);
      String description = f.path("description").asText("");
      if (!description.isEmpty()) tool.put("description", description);
      JsonNode schema = f.get("parameters");
      if (schema != null && schema.isObject()) {
        tool.set("input_schema", schema.deepCopy());
      } else {
        tool.putObject("input_schema").put("type", "object").putObject("properties");
      }
      withCache(tool, t.get("cache_control"));
    }
    return out;
  }

  private static ObjectNode toolChoice(ObjectNode client) {
    JsonNode tc = client.get("tool_choice");
    ObjectNode choice = null;
    if (tc != null && tc.isTextual()) {
      String type = switch (tc.asText()) {
        case "auto" -> "auto";
        case "none" -> "none";
        case "required" -> "any";
        default -> throw invalid("Invalid 'tool_choice': '" + tc.asText() + "' is not one of auto, none, required.",
            "tool_choice");
      };
      choice = NODES.objectNode().put("type", type);
    } else if (tc != null && tc.isObject()) {
      String name = tc.path("function").path("name").asText("");
      if (!"function".equals(tc.path("type").asText()) || name.isEmpty()) {
        throw unsupported("'tool_choice' must be \"auto\", \"none\", \"required\" or "
            + "{\"type\":\"function\",\"function\":{\"name\":...}} for this model.", "tool_choice");
      }
      choice = NODES.objectNode().put("type", "tool").put("name", name);
    }
    JsonNode parallel = client.get("parallel_tool_calls");
    if (parallel != null && parallel.isBoolean() && !parallel.asBoolean()) {
      if (choice == null) choice = NODES.objectNode().put("type", "auto");
      if (!"none".equals(choice.get("type").asText())) choice.put("disable_parallel_tool_use", true);
    }
    return choice;
  }

  // ---------------------------------------------------------------- answer

  /** Parses an Anthropic message; anything without a {@code content} array is a malformed answer. */
  public static ObjectNode parseMessage(Buffer body) {
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(body.getBytes());
    } catch (IOException e) {
      throw malformed("not valid JSON");
    }
    if (!(node instanceof ObjectNode o)) throw malformed("expected a JSON object");
    if (!o.path("content").isArray()) throw malformed("the answer has no 'content' array");
    return o;
  }

  /**
   * The OpenAI {@code chat.completion} for an Anthropic message.
   *
   * @param created the completion's {@code created} time, in epoch seconds (Anthropic sends none)
   */
  public static ObjectNode completion(ObjectNode message, long created) {
    StringBuilder text = new StringBuilder();
    ArrayNode toolCalls = NODES.arrayNode();
    for (JsonNode block : message.get("content")) {
      switch (block.path("type").asText()) {
        case "text" -> text.append(block.path("text").asText());
        case "tool_use" -> {
          ObjectNode call = toolCalls.addObject();
          call.put("id", block.path("id").asText());
          call.put("type", "function");
          ObjectNode f = call.putObject("function");
          f.put("name", block.path("name").asText());
          JsonNode input = block.get("input");
          f.put("arguments", input == null || input.isNull() ? "{}" : input.toString());
        }
        default -> { } // thinking, redacted_thinking, server tool blocks: nothing to show in the OpenAI format
      }
    }
    ObjectNode out = NODES.objectNode();
    out.put("id", message.path("id").asText("msg"));
    out.put("object", "chat.completion");
    out.put("created", created);
    out.put("model", message.path("model").asText());
    ObjectNode choice = out.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode msg = choice.putObject("message");
    msg.put("role", "assistant");
    if (text.isEmpty() && !toolCalls.isEmpty()) {
      msg.putNull("content");
    } else {
      msg.put("content", text.toString());
    }
    if (!toolCalls.isEmpty()) msg.set("tool_calls", toolCalls);
    msg.putNull("refusal");
    choice.putNull("logprobs");
    String finish = finishReason(message.path("stop_reason").asText(null));
    choice.put("finish_reason", finish == null ? "stop" : finish);
    out.set("usage", usage(message.path("usage"), 0, 0, 0, 0));
    return out;
  }

  /** The OpenAI {@code finish_reason} for an Anthropic {@code stop_reason}; {@code null} for none. */
  public static String finishReason(String stopReason) {
    if (stopReason == null) return null;
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal" -> "content_filter";
      default -> "stop"; // end_turn, stop_sequence, pause_turn, and reasons added later
    };
  }

  /**
   * The OpenAI usage object for Anthropic token counts. Anthropic counts cached prompt tokens apart
   * from {@code input_tokens}; OpenAI counts them inside {@code prompt_tokens}. So:
   * {@code prompt_tokens = input_tokens + cache_read_input_tokens + cache_creation_input_tokens},
   * {@code completion_tokens = output_tokens}, {@code prompt_tokens_details.cached_tokens =
   * cache_read_input_tokens}, and the two Anthropic cache buckets are kept as extra fields
   * ({@code cache_read_input_tokens}, {@code cache_creation_input_tokens}) because they are priced
   * differently from plain input.
   */
  public static ObjectNode usage(long input, long output, long cacheRead, long cacheCreation) {
    ObjectNode u = NODES.objectNode();
    long prompt = input + cacheRead + cacheCreation;
    u.put("prompt_tokens", prompt);
    u.put("completion_tokens", output);
    u.put("total_tokens", prompt + output);
    u.putObject("prompt_tokens_details").put("cached_tokens", cacheRead);
    u.put("cache_read_input_tokens", cacheRead);
    u.put("cache_creation_input_tokens", cacheCreation);
    return u;
  }

  /** {@link #usage(long, long, long, long)} from an Anthropic usage object, with defaults for absent counts. */
  static ObjectNode usage(JsonNode u, long input, long output, long cacheRead, long cacheCreation) {
    return usage(count(u, "input_tokens", input), count(u, "output_tokens", output),
        count(u, "cache_read_input_tokens", cacheRead), count(u, "cache_creation_input_tokens", cacheCreation));
  }

  static long count(JsonNode usage, String field, long otherwise) {
    JsonNode v = usage == null ? null : usage.get(field);
    return v != null && v.isNumber() ? v.asLong() : otherwise;
  }

  /**
   * The HTTP status an Anthropic error type stands for, so that an error sent inside a stream is
   * judged like the same error sent as a status (retried, relayed, or counted against the deployment).
   */
  public static int statusFor(String errorType) {
    if (errorType == null) return 500;
    return switch (errorType) {
      case "invalid_request_error" -> 400;
      case "authentication_error" -> 401;
      case "billing_error" -> 402;
      case "permission_error" -> 403;
      case "not_found_error" -> 404;
      case "request_too_large" -> 413;
      case "rate_limit_error" -> 429;
      case "timeout_error" -> 504;
      case "overloaded_error" -> 529;
      default -> 500; // api_error and types added later
    };
  }

  static UpstreamException malformed(String detail) {
    return new UpstreamException(new UpstreamFailure.Malformed(detail));
  }

  private static GatewayException invalid(String message, String param) {
    return new GatewayException(new GatewayError.InvalidRequest(message, param));
  }

  private static GatewayException unsupported(String message, String param) {
    return new GatewayException(new GatewayError.InvalidRequest(message, param, "unsupported_parameter"));
  }
}
