package dev.sluice.sim.content;

import java.util.List;

/**
 * What the emulated model answers, decided in full before any token is produced; the engine then
 * only decides <em>when</em> each token exists. One entry of {@link #outputTokens()} is streamed
 * per output token, so what a client receives always adds up to {@code usage.completion_tokens}.
 */
public sealed interface Answer {

  /** Output tokens: the engine produces exactly this many. */
  int outputTokens();

  /** {@code stop}, {@code length} or {@code tool_calls}. */
  String finishReason();

  /**
   * Text, one delta per token (a delta may be empty when a token ends inside a stop sequence or a
   * multi-byte character).
   *
   * @param logprobs per token when the request asked for them, else empty
   */
  record Text(List<String> deltas, String finishReason, List<TokenLogprob> logprobs) implements Answer {
    public Text {
      deltas = List.copyOf(deltas);
      logprobs = List.copyOf(logprobs);
    }

    @Override
    public int outputTokens() {
      return deltas.size();
    }

    public String content() {
      return String.join("", deltas);
    }
  }

  /** Tool calls; token {@code i} streams {@code deltas.get(i)}. */
  record ToolCalls(List<ToolCall> calls, List<ToolDelta> deltas) implements Answer {
    public ToolCalls {
      calls = List.copyOf(calls);
      deltas = List.copyOf(deltas);
    }

    @Override
    public int outputTokens() {
      return deltas.size();
    }

    @Override
    public String finishReason() {
      return "tool_calls";
    }
  }

  /** One function call. */
  record ToolCall(String id, String name, String arguments) {}

  /**
   * The part of a tool call one token streams: the call's header (id and name) on its first token,
   * then a fragment of its arguments.
   */
  record ToolDelta(int callIndex, boolean header, String argumentsFragment) {}

  /** A token's log-probability and its most likely alternatives. */
  record TokenLogprob(String token, double logprob, List<Alternative> top) {
    public record Alternative(String token, double logprob) {}
  }
}
