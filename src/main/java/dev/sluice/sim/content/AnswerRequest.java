package dev.sluice.sim.content;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What {@link AnswerPlanner} needs to know about a request, already read from its JSON.
 *
 * @param seed fixes every choice; equal requests carry equal seeds
 * @param promptText the last user message (chat) or the prompt (completions), matched against a dataset
 * @param rowId the dataset row asked for by header, or {@code null}
 * @param tools the offered tools
 * @param script the tool script, or {@code null}
 * @param assistantTurns assistant messages already in the conversation (the script's turn number)
 * @param lastIsToolResult whether the last message is a tool result
 * @param maxTokens the most output tokens allowed (max_tokens, or the room left in the context)
 * @param minTokens the fewest output tokens (vLLM's {@code min_tokens})
 * @param ignoreEos answer exactly {@code maxTokens} tokens (vLLM's {@code ignore_eos}, for benchmarks)
 * @param stop stop sequences; the answer ends before the first one
 * @param logprobs whether to return per-token log-probabilities
 * @param topLogprobs how many alternatives per token
 */
public record AnswerRequest(long seed, String promptText, String rowId, List<Tool> tools, ToolChoice toolChoice,
    ToolScript script, int assistantTurns, boolean lastIsToolResult, int maxTokens, int minTokens, boolean ignoreEos,
    List<String> stop, boolean logprobs, int topLogprobs) {

  public AnswerRequest {
    tools = List.copyOf(tools);
    stop = List.copyOf(stop);
  }

  /** An offered function: its name and JSON-schema parameters (may be missing). */
  public record Tool(String name, JsonNode parameters) {}

  /** The request's {@code tool_choice}. {@code name} is set for {@link Mode#NAMED}. */
  public record ToolChoice(Mode mode, String name) {
    public enum Mode { AUTO, NONE, REQUIRED, NAMED }

    public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null);
  }
}
