package dev.sluice.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A JSON object body as it travels through Sluice: the bytes as received, the parsed tree, or both,
 * each made on first use. An answer passed on unchanged goes out as the very bytes the upstream
 * sent, with no parse and no re-encoding; a stage that needs to read it asks for {@link #tree()}.
 *
 * <p>Immutable by contract: nobody changes the tree after handing it over; a stage that wants a
 * different body builds a new one. Not thread-safe; a body belongs to one request.
 */
public final class JsonBody {
  private Buffer bytes;
  private ObjectNode tree;
  private JsonNode usage;

  private JsonBody(Buffer bytes, ObjectNode tree, JsonNode usage) {
    this.bytes = bytes;
    this.tree = tree;
    this.usage = usage;
  }

  /** A body from bytes already known to hold one JSON object. */
  public static JsonBody ofBytes(Buffer bytes) {
    return new JsonBody(bytes, null, null);
  }

  /**
   * A body from bytes already known to hold one JSON object, whose {@code usage} member was read
   * while checking it (so metering need not parse the whole body).
   */
  public static JsonBody ofBytes(Buffer bytes, JsonNode usage) {
    return new JsonBody(bytes, null, usage);
  }

  /** A body built by Sluice. */
  public static JsonBody of(ObjectNode tree) {
    return new JsonBody(null, tree, null);
  }

  /** The body's {@code usage} member, or {@code null}; parses the body only when it was not read before. */
  public JsonNode usage() {
    if (usage == null) {
      JsonNode u = tree().get("usage");
      usage = u == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : u;
    }
    return usage.isNull() ? null : usage;
  }

  /** The body's bytes, encoded on first use when it was built as a tree. */
  public Buffer bytes() {
    if (bytes == null) {
      try {
        bytes = Buffer.buffer(Json.MAPPER.writeValueAsBytes(tree));
      } catch (JsonProcessingException e) {
        throw new UncheckedIOException(e);
      }
    }
    return bytes;
  }

  /** Whether {@link #tree()} is at hand without parsing (built as a tree, or parsed already). */
  public boolean parsed() {
    return tree != null;
  }

  /** The parsed body, parsed on first use. Treat it as read-only. */
  public ObjectNode tree() {
    if (tree == null) {
      try {
        JsonNode node = Json.MAPPER.readTree(bytes.getBytes());
        if (!(node instanceof ObjectNode o)) throw new IllegalStateException("the body is not a JSON object");
        tree = o;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return tree;
  }

  @Override
  public String toString() {
    return bytes != null ? bytes.toString() : tree.toString();
  }
}
