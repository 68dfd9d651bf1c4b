package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.EvalLoopsCommandTest.Run;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice eval cascade}, run in-process on two MMLU subjects of RouteLLM's data (test resources). */
class EvalCascadeCommandTest {
  private static final String MMLU = "src/test/resources/routing/mmlu";

  /** The embeddings of the two subjects, computed by the first run and read by the others. */
  @TempDir
  static Path dir;
  static Path cache;

  @BeforeAll
  static void sharedEmbeddings() {
    cache = dir.resolve("embeddings.bin");
  }

  @Test
  void eachSplitReportsWhatItsOwnSeedReportsAloneAndTheMeanOfThem() {
    Run splits = EvalLoopsCommandTest.run("eval", "cascade", "--data", MMLU, "--seed", "3", "--splits", "3",
        "--embedding-cache", cache.toString());
    assertThat(splits.exit()).as(splits.out() + splits.err()).isZero();

    List<Double> shares = new ArrayList<>();
    for (long seed = 3; seed <= 5; seed++) {
      Matcher row = Pattern.compile("(?m)^" + seed + " +([0-9.]+)%").matcher(splits.out());
      assertThat(row.find()).as("a row for seed " + seed + " in\n" + splits.out()).isTrue();
      shares.add(Double.parseDouble(row.group(1)));
    }
    Run alone = EvalLoopsCommandTest.run("eval", "cascade", "--data", MMLU, "--seed", "4",
        "--embedding-cache", cache.toString());
    assertThat(alone.exit()).as(alone.out() + alone.err()).isZero();
    Matcher lowest = Pattern.compile("accuracy: ([0-9.]+)% at threshold").matcher(alone.out());
    assertThat(lowest.find()).as(alone.out()).isTrue();
    assertThat(alone.out()).as("a single split points to the mean of several").contains("--splits 10");
    assertThat(shares.get(1)).as("seed 4 among the splits and alone").isEqualTo(Double.parseDouble(lowest.group(1)));

    Matcher mean = Pattern.compile("(?m)^mean +([0-9.]+)%").matcher(splits.out());
    assertThat(mean.find()).as(splits.out()).isTrue();
    double expected = shares.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    assertThat(Double.parseDouble(mean.group(1))).isCloseTo(expected, org.assertj.core.data.Offset.offset(0.1));
    assertThat(splits.out()).contains("mean of 3 splits (seeds 3 to 5)")
        .containsPattern("target \\(at most 40%\\) (met|missed) on the mean, met on [0-3] of 3 splits");
  }

  @Test
  void splitsBelowOneOrWithATrainedRouterAreRefusedWithAReason() {
    Run none = EvalLoopsCommandTest.run("eval", "cascade", "--data", MMLU, "--splits", "0");
    assertThat(none.exit()).isNotZero();
    assertThat(none.err()).contains("--splits must be at least 1, got 0").doesNotContain("Exception");

    Run withRouter = EvalLoopsCommandTest.run("eval", "cascade", "--data", MMLU, "--splits", "2",
        "--router", dir.resolve("router.json").toString());
    assertThat(withRouter.exit()).isNotZero();
    assertThat(withRouter.err()).contains("cannot be used with --router");
  }
}
