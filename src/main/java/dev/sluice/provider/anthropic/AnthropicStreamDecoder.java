package dev.sluice.provider.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.provider.StreamDecoder;
import dev.sluice.provider.UpstreamException;
import dev.sluice.provider.UpstreamFailure;
import dev.sluice.stream.Chunk;
import dev.sluice.stream.ChunkEmitter;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns one Anthropic Messages event stream into OpenAI {@code chat.completion.chunk}s. Pure and
 * stateful per stream; one instance per upstream response, called on one event loop.
 *
 * <p>The two protocols frame an answer differently. Anthropic sends a message made of content
 * blocks, each opened, filled by deltas and closed, with the usage split between the first event
 * (input side) and the last ones (output side). OpenAI sends one flat choice whose delta carries
 * text and tool-call fragments, each tool call addressed by its position among the tool calls.
 * So the decoder keeps:
 *
 * <ul>
 *   <li>what each Anthropic block index is: text, the n-th tool call, or ignored (thinking,
 *       redacted thinking, server-side tool blocks, types added later);
 *   <li>the message id and model from {@code message_start}, repeated on every chunk;
 *   <li>the four usage counters: {@code message_start} gives them all, and {@code message_delta}
 *       replaces those it carries (its counts are cumulative).
 * </ul>
 *
 * <p>Event by event: {@code message_start} emits the first chunk (role {@code assistant}, empty
 * content), so the stream counts as started and the idle timeout, not the first-byte one, covers
 * a long thinking phase; {@code text_delta}s become content deltas; a {@code tool_use} block start
 * becomes a tool-call delta with its {@code index}, {@code id}, {@code type} and function name and
 * empty arguments, and its {@code input_json_delta}s become argument fragments; thinking and
 * signature deltas are dropped (the OpenAI chat format has no place for them); a
 * {@code message_delta} with a stop reason emits the finish chunk; {@code message_stop} emits a
 * usage-only chunk ({@code choices: []}, usage mapped by {@link AnthropicCodec#usage}) and
 * completes the stream. The HTTP edge drops that last chunk when the client did not ask for
 * {@code stream_options.include_usage}. {@code ping} and unknown event types are ignored, as
 * Anthropic's versioning policy asks.
 *
 * <p>An {@code error} event throws an {@link UpstreamException} with an
 * {@link UpstreamFailure.ErrorStatus} whose status stands for the error type (529 for
 * {@code overloaded_error}, 429 for {@code rate_limit_error}, ...); before the first chunk the
 * attempt can then be retried like any failed call. An event that is not JSON, lacks what its type
 * requires, or comes out of order throws {@link UpstreamFailure.Malformed}. A stream that closes
 * without {@code message_stop} was cut short.
 */
final class AnthropicStreamDecoder implements StreamDecoder {
  private static final Block TEXT = new Block(-1);
  private static final Block IGNORED = new Block(-2);

  /** What an Anthropic content block is on the OpenAI side: text, ignored, or the tool call with this index. */
  private record Block(int toolIndex) {}

  private final long created;
  private final Map<Integer, Block> blocks = new HashMap<>();
  private String id;
  private String model;
  private int tools;
  private long input;
  private long output;
  private long cacheRead;
  private long cacheCreation;

  /** @param created the chunks' {@code created} time, in epoch seconds (Anthropic sends none) */
  AnthropicStreamDecoder(long created) {
    this.created = created;
  }

  @Override
  public void onEvent(String event, String data, ChunkEmitter out) {
    if (data.isBlank()) return;
    ObjectNode e = parse(data);
    String type = e.path("type").asText(event == null ? "" : event);
    switch (type) {
      case "message_start" -> {
        JsonNode message = e.get("message");
        if (message == null || !message.isObject()) throw AnthropicCodec.malformed("message_start without a message");
        id = message.path("id").asText("msg");
        model = message.path("model").asText("");
        JsonNode u = message.get("usage");
        input = AnthropicCodec.count(u, "input_tokens", 0);
        output = AnthropicCodec.count(u, "output_tokens", 0);
        cacheRead = AnthropicCodec.count(u, "cache_read_input_tokens", 0);
        cacheCreation = AnthropicCodec.count(u, "cache_creation_input_tokens", 0);
        ObjectNode delta = Json.MAPPER.createObjectNode().put("role", "assistant").put("content", "");
        out.emit(chunk(delta, null));
      }
      case "content_block_start" -> {
        requireStarted(type);
        int index = index(e);
        JsonNode block = e.path("content_block");
        switch (block.path("type").asText()) {
          case "text" -> {
            blocks.put(index, TEXT);
            String text = block.path("text").asText("");
            if (!text.isEmpty()) out.emit(content(text));
          }
          case "tool_use" -> {
            Block tool = new Block(tools++);
            blocks.put(index, tool);
            ObjectNode delta = Json.MAPPER.createObjectNode();
            ObjectNode call = toolCall(delta, tool);
            call.put("id", block.path("id").asText());
            call.put("type", "function");
            ObjectNode function = call.putObject("function");
            function.put("name", block.path("name").asText());
            JsonNode given = block.get("input");
            function.put("arguments", given != null && given.isObject() && !given.isEmpty() ? given.toString() : "");
            out.emit(chunk(delta, null));
          }
          default -> blocks.put(index, IGNORED);
        }
      }
      case "content_block_delta" -> {
        requireStarted(type);
        int index = index(e);
        Block block = blocks.get(index);
        if (block == null) throw AnthropicCodec.malformed("a delta for content block " + index + ", which never started");
        JsonNode delta = e.path("delta");
        String deltaType = delta.path("type").asText();
        if (block == TEXT && deltaType.equals("text_delta")) {
          String text = delta.path("text").asText("");
          if (!text.isEmpty()) out.emit(content(text));
        } else if (block.toolIndex() >= 0 && deltaType.equals("input_json_delta")) {
          String fragment = delta.path("partial_json").asText("");
          if (!fragment.isEmpty()) {
            ObjectNode toolDelta = Json.MAPPER.createObjectNode();
            toolCall(toolDelta, block).putObject("function").put("arguments", fragment);
            out.emit(chunk(toolDelta, null));
          }
        }
        // thinking_delta, signature_delta, citations_delta, deltas of ignored blocks: nothing to emit
      }
      case "message_delta" -> {
        requireStarted(type);
        JsonNode u = e.get("usage");
        input = AnthropicCodec.count(u, "input_tokens", input);
        output = AnthropicCodec.count(u, "output_tokens", output);
        cacheRead = AnthropicCodec.count(u, "cache_read_input_tokens", cacheRead);
        cacheCreation = AnthropicCodec.count(u, "cache_creation_input_tokens", cacheCreation);
        String finish = AnthropicCodec.finishReason(e.path("delta").path("stop_reason").asText(null));
        if (finish != null) out.emit(chunk(Json.MAPPER.createObjectNode(), finish));
      }
      case "message_stop" -> {
        requireStarted(type);
        ObjectNode usageChunk = header();
        usageChunk.putArray("choices");
        usageChunk.set("usage", AnthropicCodec.usage(input, output, cacheRead, cacheCreation));
        out.emit(Chunk.ofJson(usageChunk));
        out.complete();
      }
      case "error" -> {
        JsonNode error = e.path("error");
        String errorType = error.path("type").asText(null);
        throw new UpstreamException(new UpstreamFailure.ErrorStatus(AnthropicCodec.statusFor(errorType), null,
            error.path("message").asText(null), errorType, null, null));
      }
      default -> { } // ping, content_block_stop, and event types added later
    }
  }

  @Override
  public boolean endedWithoutMarker() {
    return false;
  }

  private void requireStarted(String type) {
    if (id == null) throw AnthropicCodec.malformed(type + " before message_start");
  }

  private static int index(ObjectNode e) {
    JsonNode index = e.get("index");
    if (index == null || !index.isIntegralNumber()) {
      throw AnthropicCodec.malformed(e.path("type").asText() + " without a block index");
    }
    return index.asInt();
  }

  private static ObjectNode parse(String data) {
    try {
      JsonNode node = Json.MAPPER.readTree(data);
      if (node instanceof ObjectNode o) return o;
    } catch (IOException notJson) {
      // reported below
    }
    throw AnthropicCodec.malformed("a stream event is not a JSON object");
  }

  /** Adds {@code "tool_calls":[{"index":n}]} to {@code delta} and returns that tool-call entry. */
  private static ObjectNode toolCall(ObjectNode delta, Block tool) {
    ObjectNode call = delta.putArray("tool_calls").addObject();
    call.put("index", tool.toolIndex());
    return call;
  }

  private Chunk content(String text) {
    return chunk(Json.MAPPER.createObjectNode().put("content", text), null);
  }

  private Chunk chunk(ObjectNode delta, String finishReason) {
    ObjectNode c = header();
    ObjectNode choice = c.putArray("choices").addObject();
    choice.put("index", 0);
    choice.set("delta", delta);
    choice.putNull("logprobs");
    if (finishReason == null) choice.putNull("finish_reason"); else choice.put("finish_reason", finishReason);
    return Chunk.ofJson(c);
  }

  private ObjectNode header() {
    ObjectNode c = Json.MAPPER.createObjectNode();
    c.put("id", id);
    c.put("object", "chat.completion.chunk");
    c.put("created", created);
    c.put("model", model);
    return c;
  }
}
