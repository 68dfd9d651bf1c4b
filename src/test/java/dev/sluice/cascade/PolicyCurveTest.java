package dev.sluice.cascade;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The cost-quality curve of a router's scores, and the two policies' decisions. */
class PolicyCurveTest {
  private static LabelledPrompt prompt(boolean cheap, boolean strong) {
    return new LabelledPrompt("f.csv", 0, "q", cheap, strong);
  }

  // Four prompts: only the strong model gets the first two right, both get the third, only the cheap one the last.
  private static final List<LabelledPrompt> PROMPTS =
      List.of(prompt(false, true), prompt(false, true), prompt(true, true), prompt(true, false));
  private static final double[] SCORES = {0.9, 0.5, 0.5, 0.1};

  @Test
  void eachDistinctScoreIsAnOperatingPointAndTiesMoveTogether() {
    PolicyCurve curve = PolicyCurve.of(PROMPTS, SCORES);
    assertThat(curve.points()).extracting(PolicyCurve.Point::strongCalls).containsExactly(0, 1, 3, 4);
    assertThat(curve.points()).extracting(PolicyCurve.Point::correct).containsExactly(2, 3, 4, 3);
    assertThat(curve.strongAccuracy()).isEqualTo(0.75);
    assertThat(curve.at(0.5).strongCalls()).isEqualTo(3);
    assertThat(curve.atShare(0.5).strongCalls()).isEqualTo(1);
  }

  @Test
  void theLowestShareKeepingAQualityIsTheFirstPointThatReachesIt() {
    PolicyCurve curve = PolicyCurve.of(PROMPTS, SCORES);
    // 95% of the strong model's 3 correct answers needs 2.85: sending the top-scored prompt gives 3.
    assertThat(curve.lowestShareReaching(0.95).threshold()).isEqualTo(0.9);
    assertThat(curve.lowestShareReaching(1.5).strongCalls()).as("out of reach: everything to the strong model")
        .isEqualTo(4);
    assertThat(curve.lowestShareReaching(0.60).strongCalls()).isZero();
  }

  @Test
  void theRouterEscalatesAtTheThresholdAndTheConfidencePolicyBelowTheMinimum() {
    assertThat(CascadeDecision.byRouter(0.2, 0.2).escalates()).isTrue();
    assertThat(CascadeDecision.byRouter(0.19, 0.2).escalates()).isFalse();
    assertThat(CascadeDecision.byConfidence(OptionalDouble.of(-0.8), -0.5).escalates()).isTrue();
    assertThat(CascadeDecision.byConfidence(OptionalDouble.of(-0.1), -0.5).escalates()).isFalse();
    assertThat(CascadeDecision.byConfidence(OptionalDouble.empty(), -0.5).escalates())
        .as("an answer without log-probabilities is kept").isFalse();
  }
}
