package dev.sluice.cascade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trained router's parts, its training on data with a known answer, and its file. */
class CascadeRouterTest {
  private static final int DIMS = 384;

  @TempDir
  Path dir;

  @Test
  void aPromptsShapeCountsItsLengthDigitsOptionsAndLines() {
    String text = "What is 12 + 30?\nA. 42\nB. 43\nC. $1,200\nD. none of them\nAnswer:";
    double[] quiz = PromptShape.of(text);
    assertThat(text).hasSize(62);
    assertThat(quiz[0]).as("log_chars").isCloseTo(Math.log1p(62), within(1e-9));
    assertThat(quiz[1]).as("digit_share").isCloseTo(12 / 62.0, within(1e-9));
    assertThat(quiz[2]).as("log_option_chars").isCloseTo(Math.log1p((5 + 5 + 9 + 15) / 4.0), within(1e-9));
    assertThat(quiz[3]).as("numeric_option_share").isEqualTo(0.75);
    assertThat(quiz[4]).as("negation").isZero();
    assertThat(quiz[5]).as("formula").isZero();
    assertThat(quiz[6]).as("log_lines").isCloseTo(Math.log1p(6), within(1e-9));

    double[] prose = PromptShape.of("All of the following are true EXCEPT that x^2 = 4.\n");
    assertThat(prose[2]).as("no options").isZero();
    assertThat(prose[3]).isZero();
    assertThat(prose[4]).as("negation").isEqualTo(1);
    assertThat(prose[5]).as("formula").isEqualTo(1);
    assertThat(prose[6]).as("a final newline starts an empty line").isCloseTo(Math.log1p(2), within(1e-9));
  }

  @Test
  void logisticRegressionRecoversTheWeightsThatMadeTheLabelsAndShrinksThemUnderAPenalty() {
    Random random = new Random(7);
    int n = 20_000;
    float[] x = new float[n * 3];
    boolean[] y = new boolean[n];
    for (int i = 0; i < n; i++) {
      x[i * 3] = 1;
      x[i * 3 + 1] = (float) random.nextGaussian();
      x[i * 3 + 2] = (float) random.nextGaussian();
      double z = -0.5 + 1.5 * x[i * 3 + 1] - 1.0 * x[i * 3 + 2];
      y[i] = random.nextDouble() < LogisticRegression.sigmoid(z);
    }
    LogisticRegression.Design design = new LogisticRegression.Design(x, n, 3);
    double[] w = LogisticRegression.fit(design, y, new double[] {0, 1e-3, 1e-3});
    assertThat(w[0]).isCloseTo(-0.5, within(0.06));
    assertThat(w[1]).isCloseTo(1.5, within(0.06));
    assertThat(w[2]).isCloseTo(-1.0, within(0.06));

    double[] shrunk = LogisticRegression.fit(design, y, new double[] {0, 20_000, 20_000});
    assertThat(Math.abs(shrunk[1])).isLessThan(Math.abs(w[1]) / 2);
    assertThat(Math.abs(shrunk[2])).isLessThan(Math.abs(w[2]) / 2);
  }

  @Test
  void nearDuplicatesMoveAPredictionByTheirResidualsShrunkTowardsNone() {
    Random random = new Random(3);
    float[] a = unit(random);
    float[] b = unit(random);
    NearDuplicates memory = NearDuplicates.of(List.of(a, a, b), new float[] {0.6f, 0.2f, -0.9f},
        new float[] {-0.4f, -0.2f, 0.9f});

    NearDuplicates.Shift twice = memory.shift(a);
    assertThat(twice.duplicates()).isEqualTo(2);
    assertThat(twice.strong()).as("(0.6 + 0.2) / (2 + 1)").isCloseTo(0.8 / 3, within(1e-6));
    assertThat(twice.cheap()).isCloseTo(-0.6 / 3, within(1e-6));
    assertThat(memory.shift(b).strong()).as("one duplicate moves half way").isCloseTo(-0.45, within(1e-6));
    assertThat(memory.shift(unit(random))).as("an unrelated prompt").isEqualTo(NearDuplicates.Shift.NONE);
    assertThat(memory.shift(slightlyMoved(a, random, 0.05)).duplicates()).as("cosine about 0.999").isEqualTo(2);
    assertThat(memory.shift(slightlyMoved(a, random, 0.6)).duplicates()).as("cosine about 0.85").isZero();
  }

  @Test
  void theRouterLearnsWhichSourceTheStrongModelHelpsAndKeepsItThroughItsFile() throws Exception {
    // Source "hard": the strong model is right 90% of the time, the cheap one 30%. Source "easy": both 90%.
    Random random = new Random(11);
    float[] hardCentre = unit(random);
    float[] easyCentre = unit(random);
    List<LabelledPrompt> prompts = new ArrayList<>();
    List<float[]> vectors = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      boolean hard = i % 2 == 0;
      prompts.add(new LabelledPrompt(hard ? "hard.csv" : "easy.csv", i, "Question " + i + "?\nA. yes\nB. no\nAnswer:",
          random.nextDouble() < (hard ? 0.3 : 0.9), random.nextDouble() < 0.9));
      vectors.add(slightlyMoved(hard ? hardCentre : easyCentre, random, 0.8));
    }
    // Short prompts: each one's ending is its opening.
    CascadeRouter router = RouterTraining.train("test-model", prompts, vectors.stream().map(CascadeRouterTest::both).toList(), 1,
        new PrintWriter(new StringWriter()));

    float[] newHard = slightlyMoved(hardCentre, random, 0.8);
    float[] newEasy = slightlyMoved(easyCentre, random, 0.8);
    String question = "Question 300?\nA. yes\nB. no\nAnswer:"; // shaped like the training prompts
    double hardScore = router.score(question, newHard, newHard);
    double easyScore = router.score(question, newEasy, newEasy);
    assertThat(hardScore).as("about 0.9 - 0.3").isCloseTo(0.6, within(0.15));
    assertThat(easyScore).as("about 0.9 - 0.9").isCloseTo(0.0, within(0.15));
    // 95% of the strong model's accuracy (0.855) needs about 85% of the hard prompts sent to it, and no easy one.
    int hardEscalated = 0;
    int easyEscalated = 0;
    for (int i = 0; i < 100; i++) {
      float[] hard = slightlyMoved(hardCentre, random, 0.8);
      float[] easy = slightlyMoved(easyCentre, random, 0.8);
      if (router.score(question, hard, hard) >= router.defaultThreshold()) hardEscalated++;
      if (router.score(question, easy, easy) >= router.defaultThreshold()) easyEscalated++;
    }
    assertThat(hardEscalated).isGreaterThanOrEqualTo(70);
    assertThat(easyEscalated).isLessThanOrEqualTo(5);
    assertThat(router.training().path("folds").asInt()).isEqualTo(RouterTraining.FOLDS);
    assertThat(router.training().path("candidates").size())
        .isEqualTo(RouterTraining.TEMPERATURES.length * RouterTraining.PENALTIES.length
            * RouterTraining.INTERACTION_PENALTIES.length);

    Path file = dir.resolve("router.json");
    router.write(file);
    CascadeRouter read = CascadeRouter.read(file);
    assertThat(read.score(question, newHard, newHard)).isCloseTo(hardScore, within(1e-6));
    assertThat(read.score(question, newEasy, newEasy)).isCloseTo(easyScore, within(1e-6));
    float[] trained = vectors.get(0);
    assertThat(read.score(question, trained, trained)).as("a training prompt, through its near duplicates")
        .isCloseTo(router.score(question, trained, trained), within(1e-6));
    assertThat(read.defaultThreshold()).isEqualTo(router.defaultThreshold());
  }

  @Test
  void theEndingOfLongPromptsTellsTheSourceWhenTheirOpeningsAreAlike() throws Exception {
    // Every prompt opens with much the same passage; only the question at its end tells "hard" from "easy".
    Random random = new Random(5);
    float[] passage = unit(random);
    float[] hardCentre = unit(random);
    float[] easyCentre = unit(random);
    List<LabelledPrompt> prompts = new ArrayList<>();
    List<PromptEmbedder.PromptVectors> vectors = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      boolean hard = i % 2 == 0;
      prompts.add(new LabelledPrompt(hard ? "hard.csv" : "easy.csv", i, "Question " + i + "?\nA. yes\nB. no\nAnswer:",
          random.nextDouble() < (hard ? 0.3 : 0.9), random.nextDouble() < 0.9));
      vectors.add(new PromptEmbedder.PromptVectors(slightlyMoved(passage, random, 0.3),
          slightlyMoved(hard ? hardCentre : easyCentre, random, 0.8)));
    }
    CascadeRouter router = RouterTraining.train("test-model", prompts, vectors, 1, new PrintWriter(new StringWriter()));

    String question = "Question 300?\nA. yes\nB. no\nAnswer:";
    float[] opening = slightlyMoved(passage, random, 0.3);
    double hardScore = router.score(question, opening, slightlyMoved(hardCentre, random, 0.8));
    double easyScore = router.score(question, opening, slightlyMoved(easyCentre, random, 0.8));
    assertThat(hardScore).as("about 0.9 - 0.3").isCloseTo(0.6, within(0.2));
    assertThat(easyScore).as("about 0.9 - 0.9").isCloseTo(0.0, within(0.2));

    Path file = dir.resolve("router.json");
    router.write(file);
    float[] ending = slightlyMoved(hardCentre, random, 0.8);
    assertThat(CascadeRouter.read(file).score(question, opening, ending)).as("the ending centroids, through the file")
        .isCloseTo(router.score(question, opening, ending), within(1e-6));
  }

  @Test
  void aPromptsEndingIsItsLastCharactersFromAWordStartAndAShortPromptIsItsOwnEnding() {
    String question = "\nWhich of these is a prime number?\nA. 4\nB. 6\nC. 7\nD. 9\nAnswer:";
    String passage = "word ".repeat(400) + "closing" + question;
    assertThat(CascadeRouter.hasOwnEnding(passage)).isTrue();
    String ending = CascadeRouter.ending(passage);
    assertThat(ending).endsWith(question).doesNotStartWith(" ").hasSizeLessThanOrEqualTo(PromptEmbedder.ENDING_CHARS);
    assertThat(ending.charAt(0) == 'w' || ending.startsWith("closing")).as("starts at a word: " + ending).isTrue();
    assertThat(CascadeRouter.input(passage)).startsWith("word word");

    String shortOne = "What is 2 + 2?\nA. 3\nB. 4\nAnswer:";
    assertThat(CascadeRouter.hasOwnEnding(shortOne)).isFalse();
    assertThat(CascadeRouter.ending(shortOne)).isEqualTo(CascadeRouter.input(shortOne)).isEqualTo(shortOne);
    assertThat(CascadeRouter.ending("x".repeat(500))).as("one unbroken word is cut where it falls").hasSize(400);
  }

  @Test
  void aRouterFileOfAFormerVersionIsRefusedWithAnInstructionToTrainAgain() throws Exception {
    Path two = Files.writeString(dir.resolve("two.json"), """
        {"format": "sluice-cascade-router", "version": 2, "embedding_model": "all-minilm-l6-v2",
         "dimensions": 384, "input_chars": 1000, "default_threshold": 0.1,
         "classifier": {"type": "source-logistic", "sources": ["a.csv"], "source_centroids": ""}}
        """);
    assertThatThrownBy(() -> CascadeRouter.read(two)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is a version 2 router; this Sluice reads version 3 (train it again");
    Path old = Files.writeString(dir.resolve("old.json"), """
        {"format": "sluice-cascade-router", "version": 1, "embedding_model": "all-minilm-l6-v2",
         "dimensions": 384, "input_chars": 1000, "default_threshold": 0.1,
         "classifier": {"type": "knn", "k": 50, "count": 0, "vectors": "", "targets": ""}}
        """);
    assertThatThrownBy(() -> CascadeRouter.read(old)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is a version 1 router; this Sluice reads version 3 (train it again");
  }

  private static PromptEmbedder.PromptVectors both(float[] v) {
    return new PromptEmbedder.PromptVectors(v, v);
  }

  private static float[] unit(Random random) {
    float[] v = new float[DIMS];
    for (int d = 0; d < DIMS; d++) v[d] = (float) random.nextGaussian();
    return normalised(v);
  }

  /** {@code v} plus noise of {@code size} times a random unit vector, normalised. */
  private static float[] slightlyMoved(float[] v, Random random, double size) {
    float[] noise = unit(random);
    float[] out = new float[DIMS];
    for (int d = 0; d < DIMS; d++) out[d] = (float) (v[d] + size * noise[d]);
    return normalised(out);
  }

  private static float[] normalised(float[] v) {
    double norm = 0;
    for (float x : v) norm += x * x;
    norm = Math.sqrt(norm);
    for (int d = 0; d < v.length; d++) v[d] /= (float) norm;
    return v;
  }
}
