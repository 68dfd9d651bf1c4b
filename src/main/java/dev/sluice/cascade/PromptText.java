package dev.sluice.cascade;

import com.fasterxml.jackson.databind.JsonNode;

/** The text of a chat request that a router judges: the last user message. */
final class PromptText {
  private PromptText() {}

  /**
   * The last user message's text: its content string, or its text parts joined by newlines (other
   * parts, such as images, are left out). Empty when there is none.
   */
  static String lastUserMessage(JsonNode body) {
    JsonNode last = null;
    for (JsonNode m : body.path("messages")) {
      if ("user".equals(m.path("role").asText())) last = m.get("content");
    }
    if (last == null) return "";
    if (last.isTextual()) return last.asText();
    StringBuilder sb = new StringBuilder();
    if (last.isArray()) {
      for (JsonNode part : last) {
        if ("text".equals(part.path("type").asText()) && part.path("text").isTextual()) {
          if (!sb.isEmpty()) sb.append('\n');
          sb.append(part.get("text").asText());
        }
      }
    }
    return sb.toString();
  }
}
