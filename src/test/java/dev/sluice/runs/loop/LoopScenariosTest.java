package dev.sluice.runs.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.provider.local.Embedder;
import dev.sluice.provider.local.MiniLm;
import dev.sluice.runs.LoopCheck;
import dev.sluice.runs.loop.eval.AgentDriver;
import dev.sluice.runs.loop.eval.CheckingModel;
import dev.sluice.runs.loop.eval.LoopEval;
import dev.sluice.runs.loop.eval.Scenario;
import dev.sluice.runs.loop.eval.ScriptedModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shipped scripted agents, played offline against the detector: every stuck one caught in time, no false alarm. */
class LoopScenariosTest {

  static final List<Scenario> scenarios = LoopEval.shipped();

  static List<LoopEval.Row> play(LoopCheck check, LoopSettings settings) {
    return LoopEval.play(scenarios, new CheckingModel(new ScriptedModel(), check, settings.window()),
        new AgentDriver("scripted"), settings.repeatThreshold(), "test-");
  }

  @Test
  void theShippedSetsHaveTenStuckKindsAndTwentyLegitimateRuns() {
    assertThat(scenarios.stream().filter(Scenario::stuck).count()).isGreaterThanOrEqualTo(10);
    assertThat(scenarios.stream().filter(s -> !s.stuck()).count()).isGreaterThanOrEqualTo(20);
    assertThat(scenarios.stream().filter(Scenario::stuck).map(Scenario::pattern).distinct())
        .containsExactlyInAnyOrder("exact_repeat", "tool_repeat", "cycle", "no_progress", "error_repeat");
  }

  @Test
  void withLexicalSimilarityEveryStuckAgentIsCaughtWithinKAndNoLegitimateOneIsStopped() {
    LoopSettings settings = LoopSettings.DEFAULT.withSimilarity(true, LexicalSimilarity.THRESHOLD);
    List<LoopEval.Row> rows = play(LoopDetector.lexical(settings), settings);
    assertThat(rows).allSatisfy(r -> assertThat(r.verdict()).as(r.scenario().name())
        .isIn(LoopEval.Verdict.CAUGHT, LoopEval.Verdict.PASSED));
    assertThat(rows).filteredOn(r -> r.scenario().stuck())
        .allSatisfy(r -> assertThat(r.run().pattern()).as(r.scenario().name()).isEqualTo(r.scenario().pattern()));
  }

  @Test
  void withMiniLmEveryStuckAgentIsCaughtWithinKAndNoLegitimateOneIsStopped() {
    LoopSettings settings = LoopSettings.DEFAULT;
    try (Embedder embedder = MiniLm.start()) {
      EmbeddingLoopCheck check = new EmbeddingLoopCheck(settings, embedder, 1_000);
      List<LoopEval.Row> rows = play((history, next) -> check.inspectAsync(history, next).await(), settings);
      assertThat(rows).allSatisfy(r -> assertThat(r.verdict()).as(r.scenario().name())
          .isIn(LoopEval.Verdict.CAUGHT, LoopEval.Verdict.PASSED));
      assertThat(LoopEval.report(rows, 3)).contains("stuck: 15/15 caught within K=3", "0 false alarms");
    }
  }

  @Test
  void withoutAnyCheckEveryStuckAgentIsMissed() {
    List<LoopEval.Row> rows = play((history, next) -> java.util.Optional.empty(), LoopSettings.DEFAULT);
    assertThat(rows).filteredOn(r -> r.scenario().stuck())
        .allSatisfy(r -> assertThat(r.verdict()).isEqualTo(LoopEval.Verdict.MISSED));
  }

  @Test
  void aScenarioWithAnUnknownKeyOrWithoutItsLoopStartIsRefusedByName() {
    assertThatThrownBy(() -> Scenario.parseAll("- {name: x, expect: legit, script: text, colour: red}", "f.yaml"))
        .hasMessageContaining("scenario 'x'").hasMessageContaining("unknown key 'colour'");
    assertThatThrownBy(() -> Scenario.parseAll("- {name: y, expect: stuck, pattern: cycle, script: text}", "f.yaml"))
        .hasMessageContaining("scenario 'y'").hasMessageContaining("loop_starts_at");
  }
}
