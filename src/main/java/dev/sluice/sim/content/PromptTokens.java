package dev.sluice.sim.content;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;

/**
 * The token ids a Llama-3-style server would prefill for a request: the chat template's special
 * tokens around each message, then the message text in {@link Tokenizer} tokens. Identical leading
 * messages give identical leading ids, which is what lets the prefix cache reuse them.
 *
 * <p>The template, per Llama 3: {@code <|begin_of_text|>}, the tool definitions (as JSON, in the
 * system turn, as Llama 3.1 does), then for each message {@code <|start_header_id|> role
 * <|end_header_id|> \n\n content <|eot_id|>}, and finally the assistant header the answer
 * follows. An assistant message's tool calls count as their name and arguments.
 */
public final class PromptTokens {
  private PromptTokens() {}

  static final int BEGIN_OF_TEXT = 128000;
  static final int START_HEADER = 128006;
  static final int END_HEADER = 128007;
  static final int END_OF_TURN = 128009;
  private static final int[] BLANK_LINE = Tokenizer.encode("\n\n");
  private static final int[] ASSISTANT = Tokenizer.encode("assistant");

  /** Ids of a chat request's {@code messages} (and {@code tools}, may be null or missing). */
  public static int[] chat(JsonNode messages, JsonNode tools) {
    Ids ids = new Ids();
    ids.add(BEGIN_OF_TEXT);
    if (tools != null && tools.isArray() && !tools.isEmpty()) {
      ids.header(Tokenizer.encode("system"));
      ids.addAll(Tokenizer.encode(tools.toString()));
      ids.add(END_OF_TURN);
    }
    for (JsonNode m : messages) {
      ids.header(Tokenizer.encode(m.path("role").asText()));
      ids.addAll(Tokenizer.encode(text(m.get("content"))));
      for (JsonNode call : m.path("tool_calls")) {
        ids.addAll(Tokenizer.encode(call.path("function").path("name").asText()));
        ids.addAll(Tokenizer.encode(call.path("function").path("arguments").asText()));
      }
      ids.add(END_OF_TURN);
    }
    ids.header(ASSISTANT);
    return ids.toArray();
  }

  /** Ids of a completions prompt. */
  public static int[] completion(String prompt) {
    Ids ids = new Ids();
    ids.add(BEGIN_OF_TEXT);
    ids.addAll(Tokenizer.encode(prompt));
    return ids.toArray();
  }

  /** The text of a message's {@code content}: a string, or the concatenated text of its parts. */
  public static String text(JsonNode content) {
    if (content == null || content.isNull()) return "";
    if (content.isTextual()) return content.asText();
    if (content.isArray()) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode part : content) {
        if (part.isTextual()) {
          sb.append(part.asText());
        } else if (part.has("text")) {
          sb.append(part.path("text").asText());
        }
      }
      return sb.toString();
    }
    return content.toString();
  }

  /** A growable int array. */
  private static final class Ids {
    private int[] a = new int[256];
    private int n;

    void add(int v) {
      if (n == a.length) a = Arrays.copyOf(a, n * 2);
      a[n++] = v;
    }

    void addAll(int[] vs) {
      if (n + vs.length > a.length) a = Arrays.copyOf(a, Math.max(a.length * 2, n + vs.length));
      System.arraycopy(vs, 0, a, n, vs.length);
      n += vs.length;
    }

    void header(int[] role) {
      add(START_HEADER);
      addAll(role);
      add(END_HEADER);
      addAll(BLANK_LINE);
    }

    int[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }
}
