package dev.sluice.runs.loop;

import dev.sluice.provider.local.Embedder;
import dev.sluice.runs.LoopCheck;
import dev.sluice.runs.LoopFinding;
import dev.sluice.runs.RunCall;
import dev.sluice.runs.RunsConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The loop check: decides from a run's recent calls whether the next one continues a loop. A pure
 * function of its arguments and its settings (no clock, no I/O, no state kept between calls), so
 * the same history always gives the same finding and recorded runs can be replayed offline.
 *
 * <p>Thread-safe (immutable); use one instance for all runs.
 *
 * <h2>What it compares</h2>
 *
 * Each call is reduced to a {@link Step}: the <em>tail</em> of its request, that is the model's last
 * message (text and tool calls, each call as {@code name + canonical JSON arguments}) and what came
 * back after it (tool results, a user's reply). A tail is the unit of progress: an agent that is
 * getting somewhere either does something new or learns something new, so its tails differ. Calls
 * the client got an error for are not model turns and are skipped by every check but the first.
 * Sub-agents of one run are told apart by their conversation's opening (the messages before the
 * model first spoke); every check but {@code exact_repeat} looks only at the next call's own
 * conversation.
 *
 * <h2>The checks, in order (the first that matches is reported)</h2>
 *
 * <ol>
 *   <li>{@code error_repeat}, retry storm: the last K calls failed (with any error) and the next one
 *       is the same request again (K failed attempts got through, the K+1-th is caught).
 *   <li>{@code exact_repeat}: the same request (same opening, same length, same tail) K times in the
 *       window, wherever they fall: a client resending a request unchanged, sub-agents of one run
 *       given the same task, a run restarting the same conversation; or the same text exchange
 *       (model text and user reply, no tools) K times in a row.
 *   <li>{@code tool_repeat}: the model asked for the same tool call (name and arguments) in K
 *       consecutive turns and got the same result each time, or K times within one turn. A repeated
 *       call whose result changed (polling a job that advances, re-reading a file after editing it)
 *       is progress. When the repeated result is an error, the pattern is {@code error_repeat}: the
 *       same error answered the same way.
 *   <li>{@code cycle}: the last K + 1 tails (at least 4) alternate between two states A, B, A, B
 *       (each identical, results included), so that both states came back. When one of the states
 *       carries an error result, the pattern is {@code error_repeat} (an error, the same fix, the
 *       same error).
 *   <li>{@code no_progress}: the last K model turns are near-duplicates of each other, one to the
 *       next, and so are the results they got (similarity at or above the threshold): an agent
 *       rephrasing the same search, drifting slowly without learning anything. A turn that repeats
 *       its predecessor exactly but got a different result counts as progress (the world changed),
 *       not as a near-duplicate.
 * </ol>
 *
 * <p>Cost: steps are lazy, so a call's tail is read only when a check gets to it: typically the
 * last three or four calls' tails, plus a comparison of each window call's length and opening
 * with the next one's; with similarity on, at most {@code 2 (K - 1)} similarity calls. Each thread
 * keeps the steps of the calls it saw lately, so in a run's steady state only the next call's
 * request is read. The results never depend on what is kept.
 * With MiniLM, the similarity is a {@link VectorSimilarity} over vectors computed beforehand, off the
 * event loop, by {@link EmbeddingLoopCheck}.
 */
public final class LoopDetector implements LoopCheck {

  private final LoopSettings settings;
  private final TextSimilarity similarity;

  /** @param similarity how near-duplicates are measured; unused when the settings turn similarity off */
  public LoopDetector(LoopSettings settings, TextSimilarity similarity) {
    this.settings = settings;
    this.similarity = similarity;
  }

  /**
   * A detector measuring near-duplicates by spelling ({@link LexicalSimilarity}): synchronous, no
   * model. Mind the threshold: {@link LexicalSimilarity#THRESHOLD} suits it, the default settings'
   * suits MiniLM.
   */
  public static LoopDetector lexical(LoopSettings settings) {
    return new LoopDetector(settings, LexicalSimilarity.INSTANCE);
  }

  /**
   * The run guard's check for a repeat threshold K: the default settings with that K, near-duplicates
   * by spelling ({@link LexicalSimilarity}, at its threshold), synchronous as the guard calls it.
   */
  public static LoopDetector forThreshold(int k) {
    return lexical(LoopSettings.DEFAULT.withRepeatThreshold(k).withSimilarity(true, LexicalSimilarity.THRESHOLD));
  }

  /**
   * The run guard's loop check for each repeat threshold K, by {@code runs.loops.similarity}: the
   * default settings with that K and near-duplicates by MiniLM ({@link EmbeddingLoopCheck}, keeping
   * up to {@value #GATEWAY_VECTORS} texts' vectors), by spelling ({@link #forThreshold}), or none.
   *
   * @param embedder the in-process embedder, asked for only with MiniLM
   */
  public static IntFunction<LoopCheck> forGateway(RunsConfig.LoopSimilarity similarity, Supplier<Embedder> embedder) {
    return switch (similarity) {
      case MINILM -> k -> new EmbeddingLoopCheck(LoopSettings.DEFAULT.withRepeatThreshold(k), embedder, GATEWAY_VECTORS);
      case LEXICAL -> LoopDetector::forThreshold;
      case OFF -> k -> new LoopDetector(LoopSettings.DEFAULT.withRepeatThreshold(k)
          .withSimilarity(false, LoopSettings.DEFAULT.similarityThreshold()), null);
    };
  }

  /** Vectors the gateway's MiniLM check keeps: about 15 MiB, the last few turns of some 1,500 runs. */
  static final int GATEWAY_VECTORS = 10_000;

  public LoopSettings settings() {
    return settings;
  }

  @Override
  public Optional<LoopFinding> inspect(List<RunCall> history, RunCall next) {
    return inspect(steps(history, next), similarity);
  }

  /** The steps the checks look at: the window's calls, then the next one. */
  List<Step> steps(List<RunCall> history, RunCall next) {
    int from = Math.max(0, history.size() - settings.window());
    List<Step> steps = new ArrayList<>(history.size() - from + 1);
    Step[] kept = KEPT.get();
    for (int i = from; i < history.size(); i++) steps.add(step(kept, history.get(i)));
    steps.add(step(kept, next));
    return steps;
  }

  /**
   * Each thread keeps the steps of the calls it inspected lately, by the identity of their
   * requests: a call's step is a function of the call alone (its request and status never change),
   * and a call is inspected as the next one and then stays in a run's window for 20 inspections,
   * so its messages are read and its tail built once, not on every inspection. Per thread, because a step computes its parts lazily and is not
   * thread-safe; a run inspected on another thread builds its own. At most {@value #KEPT_STEPS}
   * per thread; a newer call takes the slot of an older one.
   */
  private static final int KEPT_STEPS = 64;

  private static final ThreadLocal<Step[]> KEPT = ThreadLocal.withInitial(() -> new Step[KEPT_STEPS]);

  private static Step step(Step[] kept, RunCall call) {
    int slot = System.identityHashCode(call.request()) & (KEPT_STEPS - 1);
    Step s = kept[slot] == null ? null : kept[slot].reusedFor(call);
    if (s == null) s = Step.of(call);
    kept[slot] = s;
    return s;
  }

  /** The last K model turns of the next call's conversation: the ones the near-duplicate check compares. */
  List<Step> lastTurns(List<Step> steps) {
    List<Step> turns = modelTurns(steps);
    return turns.subList(Math.max(0, turns.size() - settings.repeatThreshold()), turns.size());
  }

  /** The texts that the near-duplicate check may compare for these steps (what to embed beforehand). */
  List<String> textsToCompare(List<Step> steps) {
    List<String> out = new ArrayList<>();
    for (Step s : lastTurns(steps)) {
      out.add(s.output());
      out.add(s.input());
    }
    return out;
  }

  /** @param similarity {@code null} to skip the near-duplicate check */
  Optional<LoopFinding> inspect(List<Step> steps, TextSimilarity similarity) {
    int k = settings.repeatThreshold();
    Optional<LoopFinding> found = retryStorm(steps, k);
    if (found.isEmpty()) found = sameRequest(steps, k);
    List<Step> turns = modelTurns(steps);
    if (found.isEmpty()) found = sameToolCall(turns, k);
    if (found.isEmpty()) found = cycle(turns, k);
    if (found.isEmpty() && settings.similarity() && similarity != null) found = noProgress(turns, k, similarity);
    return found;
  }

  // ------------------------------------------------------------------ error_repeat (retries)

  private static Optional<LoopFinding> retryStorm(List<Step> steps, int k) {
    Step next = steps.getLast();
    int n = steps.size();
    if (n < k + 1) return Optional.empty();
    // Any error counts: a gateway may answer the same storm with an upstream error first and an
    // open circuit breaker later.
    for (int i = n - 2; i >= n - 1 - k; i--) {
      Step s = steps.get(i);
      if (!s.failed() || !s.sameRequest(next)) return Optional.empty();
    }
    return finding("error_repeat", "the same request failed " + k + " times in a row (last with "
        + steps.get(n - 2).errorCode() + ") and is being sent again unchanged");
  }

  // ------------------------------------------------------------------ exact_repeat

  private static Optional<LoopFinding> sameRequest(List<Step> steps, int k) {
    Step next = steps.getLast();
    int same = 0;
    for (Step s : steps) if (!s.failed() && s.sameRequest(next)) same++;
    if (same >= k) {
      return finding("exact_repeat", "the same request was made " + same + " times in the last "
          + steps.size() + " calls");
    }
    if (next.fresh() || !next.uses().isEmpty()) return Optional.empty();
    int inARow = 0;
    for (int i = steps.size() - 1; i >= 0; i--) {
      Step s = steps.get(i);
      if (s.failed()) continue;
      if (!s.tail().equals(next.tail())) break;
      inARow++;
    }
    if (inARow >= k) {
      return finding("exact_repeat", "the model said the same thing and got the same reply " + inARow
          + " times in a row");
    }
    return Optional.empty();
  }

  // ------------------------------------------------------------------ tool_repeat

  private static Optional<LoopFinding> sameToolCall(List<Step> turns, int k) {
    Step next = turns.getLast();
    Map<String, Integer> inTurn = new HashMap<>();
    for (Step.ToolUse u : next.uses()) {
      if (inTurn.merge(u.signature(), 1, Integer::sum) >= k) {
        return finding("tool_repeat", "the model asked for " + u.signature() + " " + inTurn.get(u.signature())
            + " times in one turn");
      }
    }
    for (Step.ToolUse u : next.uses()) {
      int inARow = 0;
      for (int i = turns.size() - 1; i >= 0 && turns.get(i).uses().contains(u); i--) inARow++;
      if (inARow >= k) {
        return u.isError()
            ? finding("error_repeat", "the model answered the same error the same way " + inARow
                + " times in a row: " + u.signature() + " -> " + abbreviate(u.result()))
            : finding("tool_repeat", "the model asked for " + u.signature() + " " + inARow
                + " times in a row and got the same result each time");
      }
    }
    return Optional.empty();
  }

  // ------------------------------------------------------------------ cycle

  private static Optional<LoopFinding> cycle(List<Step> turns, int k) {
    // Both states must have come back: with A, B, A alone, B may have changed (a poll between two
    // identical waits), which is progress.
    int length = Math.max(4, k + 1);
    int n = turns.size();
    if (n < length) return Optional.empty();
    Step a = turns.get(n - 1);
    Step b = turns.get(n - 2);
    if (a.fresh() || b.fresh() || a.tail().equals(b.tail())) return Optional.empty();
    for (int i = n - 3; i >= n - length; i--) {
      if (!turns.get(i).tail().equals(turns.get(i + 2).tail())) return Optional.empty();
    }
    boolean error = a.uses().stream().anyMatch(Step.ToolUse::isError) || b.uses().stream().anyMatch(Step.ToolUse::isError);
    String states = describe(b) + " and " + describe(a);
    return error
        ? finding("error_repeat", "the run keeps answering the same error the same way, alternating between "
            + states + " for the last " + length + " calls")
        : finding("cycle", "the run alternates between two states, " + states + ", for the last " + length
            + " calls");
  }

  // ------------------------------------------------------------------ no_progress

  private Optional<LoopFinding> noProgress(List<Step> turns, int k, TextSimilarity similarity) {
    int n = turns.size();
    if (n < k) return Optional.empty();
    double threshold = settings.similarityThreshold();
    double lowest = 1;
    for (int i = n - 1; i > n - k; i--) {
      Step now = turns.get(i);
      Step before = turns.get(i - 1);
      if (now.fresh() || before.fresh()) return Optional.empty();
      // The same action with a different outcome: the world moved (a poll that advanced).
      if (now.output().equals(before.output()) && !now.input().equals(before.input())) return Optional.empty();
      double out = similarity.similarity(before.output(), now.output());
      if (out < threshold) return Optional.empty();
      double in = similarity.similarity(before.input(), now.input());
      if (in < threshold) return Optional.empty();
      lowest = Math.min(lowest, Math.min(out, in));
    }
    return finding("no_progress", "the last " + k + " model turns are near-duplicates with near-duplicate results"
        + String.format(Locale.ROOT, " (similarity at least %.2f)", lowest) + ", last: "
        + abbreviate(turns.getLast().output()));
  }

  // ------------------------------------------------------------------ helpers

  /** The model turns of the next call's conversation: failed calls and other sub-agents' calls left out. */
  private static List<Step> modelTurns(List<Step> steps) {
    Step next = steps.getLast();
    List<Step> out = new ArrayList<>(steps.size());
    for (int i = 0; i < steps.size() - 1; i++) {
      Step s = steps.get(i);
      if (!s.failed() && s.sameConversation(next)) out.add(s);
    }
    out.add(next);
    return out;
  }

  private static String describe(Step s) {
    return s.uses().isEmpty() ? "\"" + abbreviate(s.output()) + "\"" : abbreviate(s.uses().getFirst().signature());
  }

  private static String abbreviate(String s) {
    String one = s.replaceAll("\\s+", " ").strip();
    return one.length() <= 60 ? one : one.substring(0, 57) + "...";
  }

  private static Optional<LoopFinding> finding(String pattern, String detail) {
    return Optional.of(new LoopFinding(pattern, detail));
  }
}
