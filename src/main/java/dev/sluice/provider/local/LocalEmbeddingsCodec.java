package dev.sluice.provider.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads an OpenAI embeddings request for an in-process model and writes the OpenAI answer. Pure: no
 * I/O, no logging. Refusals are {@link GatewayException}s with {@link GatewayError.InvalidRequest}
 * naming the field, the way the OpenAI API does.
 */
final class LocalEmbeddingsCodec {
  private LocalEmbeddingsCodec() {}

  /** Texts per request at most, as in OpenAI's API. */
  static final int MAX_INPUTS = 2048;

  /** What to embed and how to encode the answer. */
  record Request(List<String> texts, boolean base64) {}

  /** Reads {@code input}, {@code dimensions} and {@code encoding_format} of a request body. */
  static Request request(ObjectNode body, String model, int dimensions) {
    List<String> texts = texts(body.get("input"), model);
    JsonNode d = body.get("dimensions");
    if (d != null && !d.isNull() && !(d.isIntegralNumber() && d.asLong() == dimensions)) {
      throw invalid("Invalid 'dimensions': " + model + " produces " + dimensions + "-dimensional embeddings and "
          + "cannot shorten them; omit 'dimensions' or set it to " + dimensions + ".", "dimensions");
    }
    JsonNode format = body.get("encoding_format");
    boolean base64 = false;
    if (format != null && !format.isNull()) {
      switch (format.isTextual() ? format.asText() : "") {
        case "float" -> base64 = false;
        case "base64" -> base64 = true;
        default -> throw invalid("Invalid 'encoding_format': expected \"float\" or \"base64\".", "encoding_format");
      }
    }
    return new Request(texts, base64);
  }

  private static List<String> texts(JsonNode input, String model) {
    if (input == null || input.isNull()) {
      throw invalid("Missing required parameter: 'input'.", "input");
    }
    if (input.isTextual()) {
      if (input.asText().isBlank()) {
        throw invalid("Invalid 'input': the text is empty or only whitespace; " + model + " has nothing to embed.", "input");
      }
      return List.of(input.asText());
    }
    if (!input.isArray()) {
      throw invalid("Invalid type for 'input': expected a string or an array of strings.", "input");
    }
    if (input.isEmpty()) {
      throw invalid("Invalid 'input': empty array. Expected a string or a non-empty array of strings.", "input");
    }
    if (input.size() > MAX_INPUTS) {
      throw invalid("Invalid 'input': " + input.size() + " texts; at most " + MAX_INPUTS + " per request.", "input");
    }
    List<String> texts = new ArrayList<>(input.size());
    for (int i = 0; i < input.size(); i++) {
      JsonNode item = input.get(i);
      if (item.isIntegralNumber() || item.isArray()) {
        throw invalid("Invalid 'input': " + model + " takes text only. Token-id arrays are ids in an OpenAI "
            + "tokenizer's vocabulary, which this model does not use; send the text as a string instead.", "input");
      }
      if (!item.isTextual()) {
        throw invalid("Invalid 'input[" + i + "]': expected a string.", "input");
      }
      if (item.asText().isBlank()) {
        throw invalid("Invalid 'input[" + i + "]': the text is empty or only whitespace; " + model
            + " has nothing to embed.", "input");
      }
      texts.add(item.asText());
    }
    return List.copyOf(texts);
  }

  /** The OpenAI {@code list} of embeddings, with usage. */
  static ObjectNode response(List<float[]> vectors, int tokens, String model, boolean base64) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("object", "list");
    ArrayNode data = root.putArray("data");
    for (int i = 0; i < vectors.size(); i++) {
      ObjectNode item = data.addObject();
      item.put("object", "embedding");
      item.put("index", i);
      float[] v = vectors.get(i);
      if (base64) {
        item.put("embedding", base64(v));
      } else {
        ArrayNode values = item.putArray("embedding");
        for (float f : v) values.add(f);
      }
    }
    root.put("model", model);
    ObjectNode usage = root.putObject("usage");
    usage.put("prompt_tokens", tokens);
    usage.put("total_tokens", tokens);
    return root;
  }

  /** A vector as OpenAI's {@code base64} encoding has it: float32 values, little-endian, Base64. */
  static String base64(float[] vector) {
    ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(vector);
    return Base64.getEncoder().encodeToString(bytes.array());
  }

  private static GatewayException invalid(String message, String param) {
    return new GatewayException(new GatewayError.InvalidRequest(message, param));
  }
}
