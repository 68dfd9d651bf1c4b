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

  private JsonBody(Buffer bytes, ObjectNode tree) {
    this.bytes = bytes;
    this.tree = tree;
  }

  /** A body from bytes already known to hold one JSON object. */
  public static JsonBody ofBytes(Buffer bytes) {
    return new JsonBody(bytes, null);
  }

  /** A body built by Sluice. */
  public static JsonBody of(ObjectNode tree) {
    return new JsonBody(null, tree);
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
