package dev.sluice.cache.semantic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Decides whether a stored question answers a new one: the {@link TrapGuard} first, then a floor on
 * the embeddings' cosine, then a logistic regression over {@link PairFeatures} that must be confident
 * enough. Trained by {@link VerifierTraining}; the shipped weights are a resource
 * ({@value #RESOURCE}). Pure and immutable.
 *
 * @param features the feature names the weights were trained on, in order (must equal {@link PairFeatures#NAMES})
 * @param mean per feature and product of two features ({@link PairFeatures#withProducts}), subtracted before weighting
 * @param scale likewise, divided by before weighting
 * @param weights likewise, per standardised value
 * @param bias the intercept
 * @param cutoff the probability of "same question" a pair needs
 * @param minimumSimilarity the default cosine floor, used when a model's threshold is {@code default}
 * @param provenance how the weights were made: data, split, cross-validation figures
 */
public record Verifier(List<String> features, double[] mean, double[] scale, double[] weights, double bias,
    double cutoff, double minimumSimilarity, Provenance provenance) {

  static final String RESOURCE = "/dev/sluice/cache/semantic/verifier.json";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /**
   * @param data the file trained on and its SHA-256
   * @param trainingPairs pairs of that file in the training split (see {@link PairSplit})
   * @param folds cross-validation folds used to choose the floor, regularisation and cutoff
   * @param l2 the chosen L2 penalty
   * @param cvPrecision out-of-fold precision at the chosen settings
   * @param cvRecall out-of-fold recall at the chosen settings
   */
  public record Provenance(String data, String sha256, int trainingPairs, int folds, double l2,
      double cvPrecision, double cvRecall) {}

  public Verifier {
    if (!features.equals(PairFeatures.NAMES)) {
      throw new IllegalArgumentException("verifier weights are for features " + features + ", not " + PairFeatures.NAMES);
    }
    int n = PairFeatures.expandedSize();
    if (mean.length != n || scale.length != n || weights.length != n) {
      throw new IllegalArgumentException("verifier needs " + n + " means, scales and weights");
    }
    mean = mean.clone();
    scale = scale.clone();
    weights = weights.clone();
  }

  /** The weights that ship with Sluice. */
  public static Verifier shipped() {
    try (InputStream in = Verifier.class.getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IllegalStateException("missing resource " + RESOURCE);
      return JSON.readValue(in, Verifier.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether {@code stored} answers {@code asked}, given their cosine and a floor on it. */
  public boolean accepts(Question asked, Question stored, double cosine, double minimumSimilarity) {
    return cosine >= minimumSimilarity
        && TrapGuard.between(asked, stored) == TrapGuard.Trap.NONE
        && probability(PairFeatures.of(asked, stored, cosine)) >= cutoff;
  }

  /** The probability that two questions with these features ask the same thing. */
  public double probability(double[] features) {
    double[] x = PairFeatures.withProducts(features);
    double z = bias;
    for (int i = 0; i < x.length; i++) z += weights[i] * (x[i] - mean[i]) / scale[i];
    return 1 / (1 + Math.exp(-z));
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this) + "\n";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
