package dev.sluice.cascade;

/**
 * Whether a cascade escalates, as a pure function of a score and a threshold. Both policies reduce
 * to this: the router's score is its estimate of how much the strong model would gain on the prompt
 * (escalate at or above the threshold); the confidence policy's score is the cheap answer's mean
 * token log-probability (escalate below the minimum).
 *
 * @param score reported to the client in {@code X-Sluice-Route-Score}
 */
public record CascadeDecision(Tier tier, double score) {

  /** Which of a cascade's two models answers. */
  public enum Tier { CHEAP, STRONG }

  /** The router's decision: the strong model when the predicted gain reaches the threshold. */
  public static CascadeDecision byRouter(double score, double threshold) {
    return new CascadeDecision(score >= threshold ? Tier.STRONG : Tier.CHEAP, score);
  }

  /**
   * The confidence policy's decision on a cheap answer: the strong model when the answer's mean
   * token log-probability is below {@code minLogprob}. An answer without log-probabilities (the
   * backend did not return them) is kept: there is nothing to judge it by.
   */
  public static CascadeDecision byConfidence(java.util.OptionalDouble meanLogprob, double minLogprob) {
    if (meanLogprob.isEmpty()) return new CascadeDecision(Tier.CHEAP, Double.NaN);
    double s = meanLogprob.getAsDouble();
    return new CascadeDecision(s < minLogprob ? Tier.STRONG : Tier.CHEAP, s);
  }

  public boolean escalates() {
    return tier == Tier.STRONG;
  }
}
