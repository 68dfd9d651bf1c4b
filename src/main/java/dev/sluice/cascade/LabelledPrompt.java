package dev.sluice.cascade;

/**
 * One prompt of labelled routing data: whether the cheap and the strong model each answered it
 * correctly.
 *
 * @param source the file it came from (with {@code row}, its key: the same prompt text may appear twice)
 * @param row its record number in that file, from 0
 */
public record LabelledPrompt(String source, int row, String prompt, boolean cheapCorrect, boolean strongCorrect) {

  /** Whether only the strong model got it right: the prompts a router should escalate. */
  public boolean needsStrong() {
    return strongCorrect && !cheapCorrect;
  }

  /** What escalating this prompt gains in correct answers: 1, 0 or -1. */
  public int gainFromStrong() {
    return (strongCorrect ? 1 : 0) - (cheapCorrect ? 1 : 0);
  }
}
