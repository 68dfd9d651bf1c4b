package dev.sluice.cache.semantic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * What the semantic cache compares in a chat request: the last message, when a user wrote it, and
 * everything else (system prompt, tools, earlier turns, sampling parameters), which must match
 * exactly. Pure.
 *
 * @param question the text of the last user message
 * @param rest the request body without that message, to be hashed into the match's context
 */
public record SemanticRequest(String question, ObjectNode rest) {

  /**
   * The request's question and context, or empty when it has none the semantic cache may answer:
   * no messages, a last message from someone other than the user, or one that holds more than text
   * (an image, audio, a file).
   */
  public static Optional<SemanticRequest> of(ObjectNode body) {
    JsonNode messages = body.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) return Optional.empty();
    JsonNode last = messages.get(messages.size() - 1);
    if (!last.isObject() || !"user".equals(last.path("role").asText())) return Optional.empty();
    Optional<String> text = text(last.get("content"));
    if (text.isEmpty() || text.get().isBlank()) return Optional.empty();
    ObjectNode rest = body.deepCopy();
    ((ArrayNode) rest.get("messages")).remove(messages.size() - 1);
    return Optional.of(new SemanticRequest(text.get(), rest));
  }

  private static Optional<String> text(JsonNode content) {
    if (content == null) return Optional.empty();
    if (content.isTextual()) return Optional.of(content.asText());
    if (!content.isArray()) return Optional.empty();
    StringBuilder text = new StringBuilder();
    for (JsonNode part : content) {
      if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) return Optional.empty();
      if (!text.isEmpty()) text.append('\n');
      text.append(part.get("text").asText());
    }
    return Optional.of(text.toString());
  }
}
