package dev.sluice.stream;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import java.io.UncheckedIOException;

/**
 * One {@code chat.completion.chunk} of a stream. It keeps the upstream's JSON text as it came, so
 * passing a chunk through costs no parse and no re-encoding; {@link #json()} parses on first use.
 * Not thread-safe: a chunk belongs to one stream, which runs on one event loop.
 */
public final class Chunk {
  private String data;
  private ObjectNode json;

  private Chunk(String data, ObjectNode json) {
    this.data = data;
    this.json = json;
  }

  /** A chunk from JSON text as received; it is parsed only if someone asks for {@link #json()}. */
  public static Chunk ofText(String data) {
    return new Chunk(data, null);
  }

  /** A chunk built by Sluice (a translated or replayed chunk). The node must not change afterwards. */
  public static Chunk ofJson(ObjectNode json) {
    return new Chunk(null, json);
  }

  /** The JSON text, as written on the wire after {@code data: }. */
  public String data() {
    if (data == null) {
      try {
        data = Json.MAPPER.writeValueAsString(json);
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
    }
    return data;
  }

  /** The parsed chunk. Treat it as read-only. */
  public ObjectNode json() {
    if (json == null) {
      try {
        JsonNode node = Json.MAPPER.readTree(data);
        json = node instanceof ObjectNode o ? o : Json.MAPPER.createObjectNode();
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
    }
    return json;
  }

  /**
   * Whether this chunk carries a usage object. Checked on the text without parsing when the chunk
   * came from upstream: content chunks carry no usage or {@code "usage":null}.
   */
  public boolean hasUsage() {
    if (json != null) {
      JsonNode u = json.get("usage");
      return u != null && u.isObject();
    }
    int i = data.indexOf("\"usage\"");
    while (i >= 0) {
      int j = i + 7;
      while (j < data.length() && Character.isWhitespace(data.charAt(j))) j++;
      if (j < data.length() && data.charAt(j) == ':') {
        j++;
        while (j < data.length() && Character.isWhitespace(data.charAt(j))) j++;
        if (j < data.length() && data.charAt(j) == '{') return true;
      }
      i = data.indexOf("\"usage\"", i + 7);
    }
    return false;
  }

  /** The usage-only chunk OpenAI sends last when {@code stream_options.include_usage} is set: usage and no choices. */
  public boolean isUsageOnly() {
    if (!hasUsage()) return false;
    JsonNode choices = json().get("choices");
    return choices == null || (choices.isArray() && choices.isEmpty());
  }

  @Override
  public String toString() {
    return data();
  }
}
