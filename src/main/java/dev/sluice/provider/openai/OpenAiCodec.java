package dev.sluice.provider.openai;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.api.JsonBody;
import dev.sluice.provider.StreamDecoder;
import dev.sluice.provider.UpstreamException;
import dev.sluice.provider.UpstreamFailure;
import dev.sluice.stream.Chunk;
import dev.sluice.stream.ChunkEmitter;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;

/**
 * Pure translation between a client's OpenAI request and what an OpenAI-compatible upstream gets,
 * and back. The request is passed through field by field (unknown fields included) with two
 * changes: {@code model} becomes the deployment's upstream name, and a streaming request always asks
 * for the final usage chunk ({@code stream_options.include_usage}), so every stream can be metered;
 * the HTTP edge drops that chunk again when the client did not ask for it. When neither change
 * applies, the client's own bytes are sent.
 */
public final class OpenAiCodec {
  private OpenAiCodec() {}

  /** The upstream body for a chat completion. */
  public static Buffer chatRequest(ObjectNode client, Buffer clientBytes, String upstreamModel, boolean stream) {
    return unchanged(client, clientBytes, upstreamModel, stream) ? clientBytes : write(client, upstreamModel, stream);
  }

  /** The upstream body for an embeddings request. */
  public static Buffer embeddingsRequest(ObjectNode client, Buffer clientBytes, String upstreamModel) {
    return unchanged(client, clientBytes, upstreamModel, false) ? clientBytes : write(client, upstreamModel, false);
  }

  /**
   * Whether the upstream body would say what the client's already says: the same model name, and
   * a non-streaming call that carries no {@code stream_options}. Then the client's bytes are sent
   * as they came ({@code clientBytes}: what {@code client} was read from; null if unknown), which
   * saves writing the body again on every call.
   */
  private static boolean unchanged(ObjectNode client, Buffer clientBytes, String upstreamModel, boolean stream) {
    if (clientBytes == null || stream || client.has("stream_options")) return false;
    JsonNode model = client.get("model");
    JsonNode streamField = client.get("stream");
    return model != null && model.isTextual() && model.textValue().equals(upstreamModel)
        && (streamField == null || streamField.isBoolean() && !streamField.booleanValue());
  }

  private static Buffer write(ObjectNode client, String upstreamModel, boolean stream) {
    Buffer out = Buffer.buffer(256);
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(new BufferOutput(out))) {
      g.writeStartObject();
      boolean wroteModel = false;
      boolean wroteStreamOptions = false;
      boolean wroteStream = false;
      for (Iterator<Map.Entry<String, JsonNode>> it = client.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String name = field.getKey();
        switch (name) {
          case "model" -> {
            g.writeStringField("model", upstreamModel);
            wroteModel = true;
          }
          case "stream" -> {
            g.writeBooleanField("stream", stream);
            wroteStream = true;
          }
          case "stream_options" -> {
            if (stream) {
              writeStreamOptions(g, field.getValue());
              wroteStreamOptions = true;
            }
            // a non-streaming upstream call must not carry stream_options: servers reject it
          }
          default -> {
            g.writeFieldName(name);
            Json.MAPPER.writeTree(g, field.getValue());
          }
        }
      }
      if (!wroteModel) g.writeStringField("model", upstreamModel);
      if (stream && !wroteStream) g.writeBooleanField("stream", true);
      if (stream && !wroteStreamOptions) writeStreamOptions(g, null);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static void writeStreamOptions(JsonGenerator g, JsonNode clientOptions) throws IOException {
    g.writeObjectFieldStart("stream_options");
    if (clientOptions != null && clientOptions.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = clientOptions.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> f = it.next();
        if (!f.getKey().equals("include_usage")) {
          g.writeFieldName(f.getKey());
          Json.MAPPER.writeTree(g, f.getValue());
        }
      }
    }
    g.writeBooleanField("include_usage", true);
    g.writeEndObject();
  }


  /**
   * Checks, without building a tree, that an upstream answer is one well-formed JSON object with
   * the array field every client reads ({@code choices}, {@code data}), and keeps its bytes to pass
   * on untouched.
   */
  static JsonBody checkObjectWithArray(Buffer body, String arrayField) {
    try (JsonParser p = Json.MAPPER.getFactory().createParser(body.getBytes())) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new UpstreamException(new UpstreamFailure.Malformed("expected a JSON object"));
      }
      boolean found = false;
      JsonNode usage = null;
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals(arrayField) && value == JsonToken.START_ARRAY) found = true;
        if (name.equals("usage") && value == JsonToken.START_OBJECT) {
          usage = Json.treeAt(p); // the one part every answer is read for: metering
        } else {
          p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw new UpstreamException(new UpstreamFailure.Malformed("not a single JSON object"));
      }
      if (!found) {
        throw new UpstreamException(new UpstreamFailure.Malformed("the answer has no '" + arrayField + "' array"));
      }
      return JsonBody.ofBytes(body, usage);
    } catch (IOException e) {
      throw new UpstreamException(new UpstreamFailure.Malformed("not valid JSON (" + firstLine(e.getMessage()) + ")"));
    }
  }

  /** A chat completion, checked and kept as received. */
  public static JsonBody checkChatCompletion(Buffer body) {
    return checkObjectWithArray(body, "choices");
  }

  /** An embeddings answer, checked and kept as received. */
  public static JsonBody checkEmbeddings(Buffer body) {
    return checkObjectWithArray(body, "data");
  }



  /** Decodes an OpenAI chunk stream: one chunk per event, {@code [DONE]} ends it, an error event fails it. */
  public static StreamDecoder streamDecoder() {
    return new StreamDecoder() {
      private boolean sawFinish;

      @Override
      public void onEvent(String event, String data, ChunkEmitter out) {
        if (data.equals("[DONE]")) {
          out.complete();
          return;
        }
        if (data.isEmpty()) return;
        char first = firstNonSpace(data);
        if (first != '{') {
          throw new UpstreamException(new UpstreamFailure.Malformed("a stream event is not a JSON object"));
        }
        Chunk chunk = Chunk.ofText(data);
        if (data.startsWith("{\"error\"") || "error".equals(event)) {
          ObjectNode json;
          try {
            json = chunk.json();
          } catch (UncheckedIOException e) {
            throw new UpstreamException(new UpstreamFailure.Malformed("a stream event is not valid JSON"));
          }
          JsonNode err = json.get("error");
          if (err != null && !err.isNull()) {
            throw new UpstreamException(new UpstreamFailure.ErrorStatus(500, null,
                err.isObject() ? err.path("message").asText(null) : err.asText(), err.path("type").asText(null), null,
                err.path("code").asText(null)));
          }
        }
        if (!sawFinish && data.contains("\"finish_reason\"") && !data.contains("\"finish_reason\":null")) {
          sawFinish = true;
        }
        out.emit(chunk);
      }

      @Override
      public boolean endedWithoutMarker() {
        return sawFinish;
      }
    };
  }

  private static char firstNonSpace(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!Character.isWhitespace(c)) return c;
    }
    return ' ';
  }

  private static String firstLine(String s) {
    if (s == null) return "parse error";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Lets Jackson write straight into a Vert.x buffer. */
  private static final class BufferOutput extends OutputStream {
    private final Buffer buffer;

    BufferOutput(Buffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public void write(int b) {
      buffer.appendByte((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      buffer.appendBytes(b, off, len);
    }
  }
}
