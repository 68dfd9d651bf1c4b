package dev.sluice.cascade;

import java.util.List;
import java.util.Random;

/**
 * What the training data says about prompts that the embedding cannot tell from a new one: those
 * whose vectors have a cosine similarity of at least {@value #SIMILARITY} with it. The model reads
 * only a prompt's opening, so these are mostly questions on one shared passage (MMLU asks several
 * about one history source or one legal case) and repeated questions; such prompts tend to go the
 * same way for each model. Each training prompt keeps its residuals, how much better or worse each
 * model did on it than the rest of the router predicted, and a new prompt's predictions move by the
 * sum of its near duplicates' residuals over their count plus {@value #PRIOR_WEIGHT}: one duplicate
 * moves them half way, many all the way.
 *
 * <p>Finding them is cheap: each vector keeps a 128-bit sketch (on which side of 128 fixed random
 * hyperplanes it lies); vectors that similar differ in about 6 of those bits, so only those within
 * {@value #MAX_SKETCH_DISTANCE} bits are compared in full. Vectors are kept at 8 bits per
 * component. Immutable and thread-safe.
 */
final class NearDuplicates {
  static final double SIMILARITY = 0.99;
  static final double PRIOR_WEIGHT = 1;
  /** The seed of the hyperplanes: {@link Random}'s sequence is fixed by its specification. */
  static final long SKETCH_SEED = 20_240_610L;
  private static final int SKETCH_LONGS = 2;
  /** Far above the 6 bits expected at the similarity sought (7 standard deviations): no duplicate is missed. */
  private static final int MAX_SKETCH_DISTANCE = 24;

  /** How far a prompt's two predicted probabilities move. */
  record Shift(double strong, double cheap, int duplicates) {
    static final Shift NONE = new Shift(0, 0, 0);
  }

  private final int dimensions;
  private final byte[] vectors;
  private final long[] sketches;
  private final float[] strongResiduals;
  private final float[] cheapResiduals;
  private final float[] hyperplanes;

  NearDuplicates(int dimensions, byte[] vectors, long[] sketches, float[] strongResiduals, float[] cheapResiduals) {
    int n = strongResiduals.length;
    if (cheapResiduals.length != n || vectors.length != n * dimensions || sketches.length != n * SKETCH_LONGS) {
      throw new IllegalArgumentException("the memory holds " + vectors.length + " vector bytes, " + sketches.length
          + " sketch words and " + strongResiduals.length + "/" + cheapResiduals.length + " residuals for "
          + dimensions + " dimensions");
    }
    this.dimensions = dimensions;
    this.vectors = vectors;
    this.sketches = sketches;
    this.strongResiduals = strongResiduals;
    this.cheapResiduals = cheapResiduals;
    this.hyperplanes = hyperplanes(dimensions);
  }

  /** The memory of unit vectors and each one's residuals (observed minus predicted, per model). */
  static NearDuplicates of(List<float[]> unitVectors, float[] strongResiduals, float[] cheapResiduals) {
    int dims = unitVectors.getFirst().length;
    int n = unitVectors.size();
    byte[] v = new byte[n * dims];
    for (int i = 0; i < n; i++) {
      float[] u = unitVectors.get(i);
      for (int d = 0; d < dims; d++) v[i * dims + d] = (byte) Math.max(-127, Math.min(127, Math.round(u[d] * 127f)));
    }
    float[] planes = hyperplanes(dims);
    long[] sketches = new long[n * SKETCH_LONGS];
    float[] row = new float[dims];
    for (int i = 0; i < n; i++) {
      for (int d = 0; d < dims; d++) row[d] = v[i * dims + d];
      sketch(planes, row, sketches, i * SKETCH_LONGS);
    }
    return new NearDuplicates(dims, v, sketches, strongResiduals.clone(), cheapResiduals.clone());
  }

  int size() {
    return strongResiduals.length;
  }

  byte[] vectors() {
    return vectors;
  }

  long[] sketches() {
    return sketches;
  }

  float[] strongResiduals() {
    return strongResiduals;
  }

  float[] cheapResiduals() {
    return cheapResiduals;
  }

  /** How the near duplicates of a unit vector move its predictions; {@link Shift#NONE} when it has none. */
  Shift shift(float[] unitVector) {
    long[] q = new long[SKETCH_LONGS];
    sketch(hyperplanes, unitVector, q, 0);
    double strong = 0;
    double cheap = 0;
    int found = 0;
    for (int i = 0; i < strongResiduals.length; i++) {
      int distance = Long.bitCount(q[0] ^ sketches[i * SKETCH_LONGS]) + Long.bitCount(q[1] ^ sketches[i * SKETCH_LONGS + 1]);
      if (distance > MAX_SKETCH_DISTANCE) continue;
      float dot = 0;
      int base = i * dimensions;
      for (int d = 0; d < dimensions; d++) dot += unitVector[d] * vectors[base + d];
      if (dot / 127f < SIMILARITY) continue;
      strong += strongResiduals[i];
      cheap += cheapResiduals[i];
      found++;
    }
    if (found == 0) return Shift.NONE;
    return new Shift(strong / (found + PRIOR_WEIGHT), cheap / (found + PRIOR_WEIGHT), found);
  }

  private static void sketch(float[] planes, float[] vector, long[] out, int offset) {
    int dims = vector.length;
    for (int b = 0; b < SKETCH_LONGS * 64; b++) {
      float dot = 0;
      for (int d = 0; d < dims; d++) dot += planes[b * dims + d] * vector[d];
      if (dot > 0) out[offset + b / 64] |= 1L << (b % 64);
    }
  }

  private static float[] hyperplanes(int dimensions) {
    Random random = new Random(SKETCH_SEED);
    float[] planes = new float[SKETCH_LONGS * 64 * dimensions];
    for (int i = 0; i < planes.length; i++) planes[i] = (float) random.nextGaussian();
    return planes;
  }
}
