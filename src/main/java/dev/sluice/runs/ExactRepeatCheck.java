package dev.sluice.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * The smallest useful loop check: the same request seen {@code K} times in a run's recent window
 * is an {@code exact_repeat}. Two requests are the same when they ask the same model the same
 * thing: equal {@code model}, {@code messages}, {@code tools}, {@code tool_choice},
 * {@code response_format} and, for embeddings, {@code input} (streaming and attribution fields do
 * not count).
 */
public final class ExactRepeatCheck implements LoopCheck {
  private static final List<String> FINGERPRINT = List.of("model", "tools", "tool_choice", "response_format", "input");

  private final int threshold;

  /** @param threshold K, at least 2: the K-th sighting of a request is a loop */
  public ExactRepeatCheck(int threshold) {
    if (threshold < 2) throw new IllegalArgumentException("the repeat threshold must be at least 2, got " + threshold);
    this.threshold = threshold;
  }

  @Override
  public Optional<LoopFinding> inspect(List<RunCall> history, RunCall next) {
    int seen = 1;
    for (RunCall earlier : history) {
      if (sameRequest(earlier.request(), next.request())) seen++;
    }
    if (seen < threshold) return Optional.empty();
    return Optional.of(new LoopFinding("exact_repeat",
        "the same request was sent " + seen + " times in this run (the limit is " + (threshold - 1) + ")"));
  }

  private static boolean sameRequest(ObjectNode a, ObjectNode b) {
    if (!sameMessages(a.get("messages"), b.get("messages"))) return false;
    for (String field : FINGERPRINT) {
      JsonNode x = a.get(field);
      JsonNode y = b.get(field);
      if (x == null ? y != null : !x.equals(y)) return false;
    }
    return true;
  }

  /**
   * Whether two message lists are equal, compared newest first: an agent's requests differ in
   * length or in their last messages, so a difference is found at once, without comparing the
   * shared history.
   */
  private static boolean sameMessages(JsonNode x, JsonNode y) {
    if (x == null || y == null || !x.isArray() || !y.isArray()) return x == null ? y == null : x.equals(y);
    int n = x.size();
    if (n != y.size()) return false;
    for (int i = n - 1; i >= 0; i--) {
      if (!x.get(i).equals(y.get(i))) return false;
    }
    return true;
  }
}
