package dev.sluice.sim.profile;

/**
 * How long answers are when nothing else decides it (no max_tokens reached, no stop sequence, no
 * recorded answer): log-normal with this median and spread, as real chat outputs are.
 *
 * @param answerMedianTokens median natural answer length
 * @param answerSigma standard deviation of the log of the length
 * @param embeddingDimensions length of the vectors {@code /v1/embeddings} returns by default
 */
public record ContentSpec(double answerMedianTokens, double answerSigma, int embeddingDimensions) {}
