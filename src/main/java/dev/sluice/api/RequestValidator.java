package dev.sluice.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;

/**
 * Checks the fields of OpenAI requests that Sluice reads or that upstreams would reject with a less
 * helpful message. Fields it does not know are left alone: they pass through to the upstream.
 * Each check fails with {@link GatewayError.InvalidRequest} naming the offending field in
 * {@code param}, the way the OpenAI API does.
 */
public final class RequestValidator {
  private RequestValidator() {}

  /** Validates a {@code POST /v1/chat/completions} body. */
  public static void chatCompletion(ObjectNode body) {
    requireModel(body);
    JsonNode messages = body.get("messages");
    if (messages == null || messages.isNull()) {
      throw invalid("Missing required parameter: 'messages'.", "messages");
    }
    if (!messages.isArray()) {
      throw invalid("Invalid type for 'messages': expected an array of message objects, got " + kind(messages) + ".", "messages");
    }
    if (messages.isEmpty()) {
      throw invalid("Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages");
    }
    for (int i = 0; i < messages.size(); i++) {
      JsonNode m = messages.get(i);
      String param = "messages[" + i + "]";
      if (!m.isObject()) {
        throw invalid("Invalid type for '" + param + "': expected an object, got " + kind(m) + ".", param);
      }
      JsonNode role = m.get("role");
      if (role == null || !role.isTextual()) {
        throw invalid("Invalid '" + param + ".role': expected a string such as \"system\", \"user\", \"assistant\" or \"tool\".", param + ".role");
      }
    }
    optionalBoolean(body, "stream");
    JsonNode streamOptions = body.get("stream_options");
    if (streamOptions != null && !streamOptions.isNull()) {
      if (!streamOptions.isObject()) {
        throw invalid("Invalid type for 'stream_options': expected an object, got " + kind(streamOptions) + ".", "stream_options");
      }
      optionalBoolean((ObjectNode) streamOptions, "include_usage", "stream_options.include_usage");
    }
    optionalInt(body, "max_tokens", 1, Integer.MAX_VALUE);
    optionalInt(body, "max_completion_tokens", 1, Integer.MAX_VALUE);
    optionalInt(body, "n", 1, 128);
    optionalNumber(body, "temperature", 0, 2);
    optionalNumber(body, "top_p", 0, 1);
    optionalNumber(body, "presence_penalty", -2, 2);
    optionalNumber(body, "frequency_penalty", -2, 2);
    optionalLong(body, "seed");
    optionalBoolean(body, "logprobs");
    optionalInt(body, "top_logprobs", 0, 20);
    optionalBoolean(body, "parallel_tool_calls");
    optionalString(body, "user");
    JsonNode stop = body.get("stop");
    if (stop != null && !stop.isNull() && !stop.isTextual()) {
      if (!stop.isArray()) {
        throw invalid("Invalid type for 'stop': expected a string or an array of strings, got " + kind(stop) + ".", "stop");
      }
      for (JsonNode s : stop) {
        if (!s.isTextual()) {
          throw invalid("Invalid 'stop': every element must be a string.", "stop");
        }
      }
    }
    JsonNode tools = body.get("tools");
    if (tools != null && !tools.isNull()) {
      if (!tools.isArray()) {
        throw invalid("Invalid type for 'tools': expected an array, got " + kind(tools) + ".", "tools");
      }
      for (int i = 0; i < tools.size(); i++) {
        if (!tools.get(i).isObject()) {
          throw invalid("Invalid type for 'tools[" + i + "]': expected an object.", "tools[" + i + "]");
        }
      }
    }
    JsonNode toolChoice = body.get("tool_choice");
    if (toolChoice != null && !toolChoice.isNull() && !toolChoice.isTextual() && !toolChoice.isObject()) {
      throw invalid("Invalid type for 'tool_choice': expected a string or an object.", "tool_choice");
    }
    optionalObject(body, "response_format");
    optionalObject(body, "metadata");
  }

  /** Validates a {@code POST /v1/embeddings} body. */
  public static void embeddings(ObjectNode body) {
    requireModel(body);
    JsonNode input = body.get("input");
    if (input == null || input.isNull()) {
      throw invalid("Missing required parameter: 'input'.", "input");
    }
    if (input.isArray()) {
      if (input.isEmpty()) {
        throw invalid("Invalid 'input': empty array. Expected a string or a non-empty array.", "input");
      }
      for (JsonNode item : input) {
        boolean ok = item.isTextual() || item.isIntegralNumber()
            || (item.isArray() && allIntegral(item));
        if (!ok) {
          throw invalid("Invalid 'input': expected a string, an array of strings, an array of token ids, or an array of token-id arrays.", "input");
        }
      }
    } else if (!input.isTextual()) {
      throw invalid("Invalid type for 'input': expected a string or an array, got " + kind(input) + ".", "input");
    }
    JsonNode format = body.get("encoding_format");
    if (format != null && !format.isNull()
        && !(format.isTextual() && (format.asText().equals("float") || format.asText().equals("base64")))) {
      throw invalid("Invalid 'encoding_format': expected \"float\" or \"base64\".", "encoding_format");
    }
    optionalInt(body, "dimensions", 1, Integer.MAX_VALUE);
    optionalString(body, "user");
  }

  private static boolean allIntegral(JsonNode array) {
    for (JsonNode n : array) {
      if (!n.isIntegralNumber()) return false;
    }
    return true;
  }

  private static void requireModel(ObjectNode body) {
    JsonNode model = body.get("model");
    if (model == null || model.isNull()) {
      throw invalid("Missing required parameter: 'model'.", "model");
    }
    if (!model.isTextual()) {
      throw invalid("Invalid type for 'model': expected a string, got " + kind(model) + ".", "model");
    }
    if (model.asText().isBlank()) {
      throw invalid("Invalid 'model': must not be empty.", "model");
    }
  }

  private static void optionalBoolean(ObjectNode body, String field) {
    optionalBoolean(body, field, field);
  }

  private static void optionalBoolean(ObjectNode body, String field, String param) {
    JsonNode v = body.get(field);
    if (v != null && !v.isNull() && !v.isBoolean()) {
      throw invalid("Invalid type for '" + param + "': expected a boolean, got " + kind(v) + ".", param);
    }
  }

  private static void optionalString(ObjectNode body, String field) {
    JsonNode v = body.get(field);
    if (v != null && !v.isNull() && !v.isTextual()) {
      throw invalid("Invalid type for '" + field + "': expected a string, got " + kind(v) + ".", field);
    }
  }

  private static void optionalObject(ObjectNode body, String field) {
    JsonNode v = body.get(field);
    if (v != null && !v.isNull() && !v.isObject()) {
      throw invalid("Invalid type for '" + field + "': expected an object, got " + kind(v) + ".", field);
    }
  }

  private static void optionalInt(ObjectNode body, String field, long min, long max) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) return;
    if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))) {
      throw invalid("Invalid type for '" + field + "': expected an integer, got " + kind(v) + ".", field);
    }
    long value = v.asLong();
    if (value < min || value > max) {
      String range = max == Integer.MAX_VALUE ? "at least " + min : "between " + min + " and " + max;
      throw invalid("Invalid '" + field + "': " + value + " is out of range; it must be " + range + ".", field);
    }
  }

  private static void optionalLong(ObjectNode body, String field) {
    JsonNode v = body.get(field);
    if (v != null && !v.isNull() && !v.isIntegralNumber()) {
      throw invalid("Invalid type for '" + field + "': expected an integer, got " + kind(v) + ".", field);
    }
  }

  private static void optionalNumber(ObjectNode body, String field, double min, double max) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) return;
    if (!v.isNumber()) {
      throw invalid("Invalid type for '" + field + "': expected a number, got " + kind(v) + ".", field);
    }
    double value = v.asDouble();
    if (value < min || value > max) {
      throw invalid("Invalid '" + field + "': " + v.asText() + " is out of range; it must be between "
          + trim(min) + " and " + trim(max) + ".", field);
    }
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  static String kind(JsonNode n) {
    if (n.isTextual()) return "a string";
    if (n.isBoolean()) return "a boolean";
    if (n.isIntegralNumber()) return "an integer";
    if (n.isNumber()) return "a number";
    if (n.isArray()) return "an array";
    if (n.isObject()) return "an object";
    if (n.isNull()) return "null";
    return n.getNodeType().toString().toLowerCase();
  }

  private static GatewayException invalid(String message, String param) {
    return new GatewayException(new GatewayError.InvalidRequest(message, param));
  }
}
