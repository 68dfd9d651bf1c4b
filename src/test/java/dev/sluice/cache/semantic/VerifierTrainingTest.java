package dev.sluice.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The verifier's training: reproducible, and the shipped weights say what they were trained on. */
class VerifierTrainingTest {

  static List<VerifierTraining.Example> examples() {
    Random r = new Random(11);
    String[] topics = {"learn Java", "cook rice", "fix a bike", "save money", "write an essay", "sleep better",
        "learn guitar", "lose weight", "start a business", "speak French"};
    List<VerifierTraining.Example> out = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      String topic = topics[i % topics.length];
      boolean duplicate = r.nextBoolean();
      String a = "How do I " + topic + "?";
      String b = duplicate ? "How can I " + topic + " quickly?" : "Why do people " + topics[(i + 3) % topics.length] + "?";
      double cosine = duplicate ? 0.86 + r.nextDouble() * 0.13 : 0.80 + r.nextDouble() * 0.15;
      out.add(new VerifierTraining.Example(Question.of(a), Question.of(b), cosine, duplicate, PairSplit.fold(a, b + i, 5)));
    }
    return out;
  }

  @Test
  void theSamePairsGiveTheSameWeights() {
    Verifier first = VerifierTraining.train(examples(), 5, 0.2, "synthetic", "-");
    Verifier second = VerifierTraining.train(examples(), 5, 0.2, "synthetic", "-");

    assertThat(second.toJson()).isEqualTo(first.toJson());
    assertThat(first.provenance().cvRecall()).isGreaterThanOrEqualTo(0.2);
  }

  @Test
  void theShippedWeightsWereTrainedOnTheTrainingSplitOfTheMeanCacheValidationPairs() {
    Verifier shipped = Verifier.shipped();

    assertThat(shipped.features()).isEqualTo(PairFeatures.NAMES);
    assertThat(shipped.provenance().data()).isEqualTo("val.csv");
    assertThat(shipped.provenance().sha256()).isEqualTo("9c38ebcd256e33cfe5d4290b67efe9715785ee0cf7d2ee74e11a8e0e350ae3e4");
    assertThat(shipped.provenance().folds()).isEqualTo(5);
    // the split keeps about half of val.csv's 12,129 pairs for evaluation
    assertThat(shipped.provenance().trainingPairs()).isBetween(5000, 7000);
  }

  @Test
  void theSplitIsStableAndKeepsAboutHalfOfThePairsOutOfTraining() {
    int training = 0;
    for (int i = 0; i < 2000; i++) if (PairSplit.isTraining("question " + i, "other " + i)) training++;

    assertThat(training).isBetween(900, 1100);
    assertThat(PairSplit.isTraining("How do I reset my password?", "How can I reset my password?"))
        .isEqualTo(PairSplit.isTraining("How do I reset my password?", "How can I reset my password?"));
  }
}
