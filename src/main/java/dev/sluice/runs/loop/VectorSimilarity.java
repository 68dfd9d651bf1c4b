package dev.sluice.runs.loop;

import java.util.Map;

/**
 * Cosine similarity over vectors computed beforehand (unit-length, as MiniLM gives them): a lookup
 * and a dot product, so the detector stays pure and cheap. Equal texts score 1; a text without a
 * vector scores 0 against any other (an unknown pair never counts as a near-duplicate).
 *
 * <p>Vectors are looked up by {@link #key}: MiniLM reads only a text's first 128 word pieces, so
 * its first {@value #KEY_CHARS} characters stand for it, and long tool results are neither embedded
 * nor kept whole.
 *
 * @param vectors unit vectors by the {@link #key} of their text
 */
public record VectorSimilarity(Map<String, float[]> vectors) implements TextSimilarity {

  public VectorSimilarity {
    vectors = Map.copyOf(vectors);
  }

  /** Characters of a text that decide its vector. */
  public static final int KEY_CHARS = 2_000;

  /** The part of {@code text} that its vector is stored under (and that is embedded). */
  public static String key(String text) {
    return text.length() <= KEY_CHARS ? text : text.substring(0, KEY_CHARS);
  }

  @Override
  public double similarity(String a, String b) {
    if (a.equals(b)) return 1;
    float[] x = vectors.get(key(a));
    float[] y = vectors.get(key(b));
    if (x == null || y == null || x.length != y.length) return 0;
    double dot = 0;
    for (int i = 0; i < x.length; i++) dot += x[i] * y[i];
    return dot;
  }
}
