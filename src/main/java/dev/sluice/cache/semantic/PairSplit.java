package dev.sluice.cache.semantic;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Which labelled question pairs train the {@link Verifier} and which evaluate it: half by a hash of
 * the pair's text, so the split is the same on every machine and run, and an evaluation never scores
 * the verifier on a pair it was trained on.
 */
public final class PairSplit {
  private PairSplit() {}

  public static boolean isTraining(String question1, String question2) {
    CRC32 crc = new CRC32();
    crc.update((question1 + "\n" + question2).getBytes(StandardCharsets.UTF_8));
    return (crc.getValue() & 1) == 0;
  }

  /** The fold of a training pair in {@code folds}-fold cross-validation. */
  static int fold(String question1, String question2, int folds) {
    CRC32 crc = new CRC32();
    crc.update((question2 + "\n" + question1).getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % folds);
  }
}
