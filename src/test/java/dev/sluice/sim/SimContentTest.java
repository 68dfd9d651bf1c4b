package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.Json;
import dev.sluice.sim.content.Answer;
import dev.sluice.sim.content.AnswerPlanner;
import dev.sluice.sim.content.AnswerRequest;
import dev.sluice.sim.content.Dataset;
import dev.sluice.sim.content.PromptTokens;
import dev.sluice.sim.content.TextGenerator;
import dev.sluice.sim.content.ToolScript;
import dev.sluice.sim.content.Tokenizer;
import dev.sluice.sim.profile.ContentSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the emulated model says: deterministic text, budgets, stop sequences, tool scripts, datasets. */
class SimContentTest {
  private static final ContentSpec CONTENT = new ContentSpec(129, 0.99, 8);
  private static final AnswerPlanner PLANNER = new AnswerPlanner(CONTENT, null);

  private static AnswerRequest text(long seed, int maxTokens, List<String> stop) {
    return new AnswerRequest(seed, "hi", null, List.of(), AnswerRequest.ToolChoice.AUTO, null, 0, false, maxTokens, 0, false, stop, false, 0);
  }

  private static Answer answer(AnswerRequest r) {
    return ((AnswerPlanner.Plan.Planned) PLANNER.plan(r)).answer();
  }

  @Test
  void theSameRequestGetsTheSameAnswerAndEveryPieceIsOneToken() {
    Answer.Text a = (Answer.Text) answer(text(11, 4000, List.of()));
    Answer.Text b = (Answer.Text) answer(text(11, 4000, List.of()));
    Answer.Text c = (Answer.Text) answer(text(12, 4000, List.of()));
    assertThat(a).isEqualTo(b).isNotEqualTo(c);
    assertThat(a.finishReason()).isEqualTo("stop");
    assertThat(a.deltas()).allSatisfy(d -> assertThat(Tokenizer.count(d)).isEqualTo(1));
    assertThat(TextGenerator.pieces(11, 50)).isEqualTo(TextGenerator.pieces(11, 50));
  }

  @Test
  void maxTokensCutsTheAnswerWithFinishReasonLength() {
    Answer.Text full = (Answer.Text) answer(text(5, 100_000, List.of()));
    int n = full.outputTokens();
    Answer.Text cut = (Answer.Text) answer(text(5, n - 1, List.of()));
    assertThat(cut.outputTokens()).isEqualTo(n - 1);
    assertThat(cut.finishReason()).isEqualTo("length");
    assertThat(full.content()).startsWith(cut.content());
    Answer.Text exact = (Answer.Text) answer(text(5, n, List.of()));
    assertThat(exact.finishReason()).isEqualTo("stop");
    AnswerRequest ignoreEos = new AnswerRequest(5, "hi", null, List.of(), AnswerRequest.ToolChoice.AUTO, null, 0, false, 700, 0, true, List.of(), false, 0);
    assertThat(answer(ignoreEos).outputTokens()).isEqualTo(700);
    AnswerRequest minTokens = new AnswerRequest(5, "hi", null, List.of(), AnswerRequest.ToolChoice.AUTO, null, 0, false, 9000, n + 50, false, List.of(), false, 0);
    assertThat(answer(minTokens).outputTokens()).isEqualTo(n + 50);
  }

  @Test
  void theAnswerEndsBeforeTheFirstStopSequence() {
    Answer.Text full = (Answer.Text) answer(text(5, 100_000, List.of()));
    String content = full.content();
    String stop = content.substring(content.indexOf('.') - 3, content.indexOf('.') + 1);
    Answer.Text stopped = (Answer.Text) answer(text(5, 100_000, List.of("never appears", stop)));
    assertThat(stopped.content()).isEqualTo(content.substring(0, content.indexOf(stop)));
    assertThat(stopped.finishReason()).isEqualTo("stop");
    assertThat(stopped.outputTokens()).isLessThan(full.outputTokens());
  }

  @Test
  void deltasOfAnyTextConcatenateBackToIt() {
    String text = "Prix : 12 € — 東京 naïve 🙂 done.";
    List<String> deltas = AnswerPlanner.deltasOf(text);
    assertThat(String.join("", deltas)).isEqualTo(text);
    assertThat(deltas).hasSize(Tokenizer.encode(text).length);
  }

  @Test
  void logprobsComeOnePerTokenWithTheRequestedAlternatives() {
    AnswerRequest r = new AnswerRequest(3, "hi", null, List.of(), AnswerRequest.ToolChoice.AUTO, null, 0, false, 20, 0, false, List.of(), true, 3);
    Answer.Text a = (Answer.Text) answer(r);
    assertThat(a.logprobs()).hasSize(a.outputTokens());
    assertThat(a.logprobs()).allSatisfy(lp -> {
      assertThat(lp.logprob()).isBetween(-1.5, 0.0);
      assertThat(lp.top()).hasSize(3);
      assertThat(lp.top().getFirst().token()).isEqualTo(lp.token());
    });
  }

  @Test
  void promptTokensShareTheirPrefixWhenTheConversationDoes() throws IOException {
    JsonNode one = Json.MAPPER.readTree("[{\"role\":\"system\",\"content\":\"You are terse.\"},{\"role\":\"user\",\"content\":\"Hello\"}]");
    JsonNode two = Json.MAPPER.readTree("[{\"role\":\"system\",\"content\":\"You are terse.\"},{\"role\":\"user\",\"content\":\"Goodbye now\"}]");
    int[] a = PromptTokens.chat(one, null);
    int[] b = PromptTokens.chat(two, null);
    int common = 0;
    while (common < Math.min(a.length, b.length) && a[common] == b[common]) common++;
    assertThat(common).isGreaterThan(8);
    // <|begin_of_text|>, two headers of 4 tokens plus role, contents, <|eot_id|>s, the assistant header.
    assertThat(a.length).isEqualTo(1 + (3 + 1 + Tokenizer.count("You are terse.") + 1) + (3 + 1 + Tokenizer.count("Hello") + 1) + 4);
  }

  // ------------------------------------------------------------------ tools

  private static final List<AnswerRequest.Tool> TOOLS;

  static {
    try {
      TOOLS = List.of(
          new AnswerRequest.Tool("get_weather", Json.MAPPER.readTree(
              "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":{\"enum\":[\"C\",\"F\"]},\"days\":{\"type\":\"integer\"}}}")),
          new AnswerRequest.Tool("search", null));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Answer withTools(ToolScript script, int turns, boolean lastIsTool, AnswerRequest.ToolChoice choice) {
    return answer(new AnswerRequest(9, "hi", null, TOOLS, choice, script, turns, lastIsTool, 500, 0, false, List.of(), false, 0));
  }

  @Test
  void withoutAScriptTheModelCallsTheFirstToolThenAnswersItsResult() throws IOException {
    Answer.ToolCalls calls = (Answer.ToolCalls) withTools(null, 0, false, AnswerRequest.ToolChoice.AUTO);
    assertThat(calls.calls()).hasSize(1);
    Answer.ToolCall call = calls.calls().getFirst();
    assertThat(call.name()).isEqualTo("get_weather");
    JsonNode args = Json.MAPPER.readTree(call.arguments());
    assertThat(args.get("city").isTextual()).isTrue();
    assertThat(args.get("unit").asText()).isIn("C", "F");
    assertThat(args.get("days").isInt()).isTrue();
    assertThat(String.join("", calls.deltas().stream().map(Answer.ToolDelta::argumentsFragment).toList())).isEqualTo(call.arguments());
    assertThat(withTools(null, 1, true, AnswerRequest.ToolChoice.AUTO)).isInstanceOf(Answer.Text.class);
    assertThat(withTools(null, 1, true, new AnswerRequest.ToolChoice(AnswerRequest.ToolChoice.Mode.REQUIRED, null)))
        .isInstanceOf(Answer.ToolCalls.class);
    assertThat(withTools(null, 0, false, new AnswerRequest.ToolChoice(AnswerRequest.ToolChoice.Mode.NONE, null)))
        .isInstanceOf(Answer.Text.class);
    Answer.ToolCalls named = (Answer.ToolCalls) withTools(null, 0, false,
        new AnswerRequest.ToolChoice(AnswerRequest.ToolChoice.Mode.NAMED, "search"));
    assertThat(named.calls().getFirst().name()).isEqualTo("search");
  }

  @Test
  void aScriptDrivesEachTurnAndCanLoopForever() {
    ToolScript script = ToolScript.parse("call:get_weather{\"city\":\"Paris\"}, search; call:search{\"q\":\"x\"}*");
    Answer.ToolCalls first = (Answer.ToolCalls) withTools(script, 0, false, AnswerRequest.ToolChoice.AUTO);
    assertThat(first.calls()).extracting(Answer.ToolCall::name).containsExactly("get_weather", "search");
    assertThat(first.calls().getFirst().arguments()).isEqualTo("{\"city\":\"Paris\"}");
    assertThat(first.calls().get(0).id()).isNotEqualTo(first.calls().get(1).id());
    for (int turn = 1; turn < 50; turn++) {
      Answer.ToolCalls stuck = (Answer.ToolCalls) withTools(script, turn, true, AnswerRequest.ToolChoice.AUTO);
      assertThat(stuck.calls()).extracting(Answer.ToolCall::arguments).containsExactly("{\"q\":\"x\"}");
    }
    ToolScript cycle = ToolScript.parse("call:search; call:get_weather; repeat");
    assertThat(((Answer.ToolCalls) withTools(cycle, 5, true, AnswerRequest.ToolChoice.AUTO)).calls().getFirst().name()).isEqualTo("get_weather");
    ToolScript once = ToolScript.parse("call:search; text");
    assertThat(withTools(once, 1, true, AnswerRequest.ToolChoice.AUTO)).isInstanceOf(Answer.Text.class);
    assertThat(withTools(once, 7, true, AnswerRequest.ToolChoice.AUTO)).isInstanceOf(Answer.Text.class);
  }

  @Test
  void aBadScriptSaysWhatIsWrong() {
    assertThatThrownBy(() -> ToolScript.parse("call:a*; text")).hasMessageContaining("only the last turn");
    assertThatThrownBy(() -> ToolScript.parse("dance")).hasMessageContaining("expected 'text'");
    assertThatThrownBy(() -> ToolScript.parse("call:a{\"x\":")).hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> ToolScript.parse("repeat")).hasMessageContaining("'repeat' must come last");
  }

  // ------------------------------------------------------------------ datasets

  @Test
  void aDatasetAnswersByRowIdOrExactPromptAndMarksCorrectness(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("quiz.csv"), """
        prompt,weak,strong
        "What is 2+2?
        A. 3
        B. 4
        Answer:",False,True
        "Say \"\"hi\"\"",True,True
        "What is 2+2?
        A. 3
        B. 4
        Answer:",True,False
        """);
    Files.createDirectories(dir.resolve("more"));
    Files.writeString(dir.resolve("more/extra.jsonl"), "{\"prompt\":\"Name a colour\",\"response\":\"Blue, I think.\",\"correct\":true,\"id\":\"c1\"}\n");
    Dataset strong = Dataset.load(List.of(dir.resolve("quiz.csv")), "strong", null);
    assertThat(strong.size()).isEqualTo(3);
    assertThat(strong.byId("quiz:1").orElseThrow().correct()).isTrue();
    assertThat(strong.byId("quiz:3").orElseThrow().correct()).isFalse();
    // A repeated prompt answers as its first row.
    assertThat(strong.byPrompt("What is 2+2?\nA. 3\nB. 4\nAnswer:").orElseThrow().id()).isEqualTo("quiz:1");
    assertThat(strong.byPrompt("Say \"hi\"").orElseThrow().id()).isEqualTo("quiz:2");

    AnswerPlanner planner = new AnswerPlanner(CONTENT, Dataset.load(List.of(dir.resolve("more")), "correct", null));
    var plan = (AnswerPlanner.Plan.Planned) planner.plan(new AnswerRequest(1, "Name a colour", null, List.of(),
        AnswerRequest.ToolChoice.AUTO, null, 0, false, 100, 0, false, List.of(), false, 0));
    assertThat(((Answer.Text) plan.answer()).content()).isEqualTo("Blue, I think.");
    assertThat(plan.correct()).isTrue();
    assertThat(plan.rowId()).isEqualTo("c1");
    assertThat(planner.plan(new AnswerRequest(1, "unknown", null, List.of(), AnswerRequest.ToolChoice.AUTO, null, 0, false,
        100, 0, false, List.of(), false, 0))).isInstanceOf(AnswerPlanner.Plan.NoRow.class);
    assertThatThrownBy(() -> Dataset.load(List.of(dir.resolve("quiz.csv")), "medium", null)).hasMessageContaining("no correctness column 'medium'");
  }
}
