package dev.sluice.cascade;

import java.util.List;

/**
 * Where a prompt probably comes from, judged by its two vectors (see {@link PromptEmbedder}): the
 * training data's sources (its files; for MMLU, the subjects) each have two centroids, the mean
 * direction of their prompts' opening vectors and that of their ending vectors, and a prompt's
 * probability of each source is a softmax of {@code temperature} times the mean of its opening's
 * cosine similarity to the opening centroid and its ending's to the ending centroid. A router
 * learns how well each model does per source, so this is how it knows the subject of a prompt that
 * arrives without one; the ending counts because the opening of a long prompt is often a passage
 * that says less about what is asked than the question and options at its end. Immutable; pure.
 */
final class SourceCentroids {
  private final List<String> names;
  private final int dimensions;
  /** Unit vectors, one per source, row after row. */
  private final float[] openings;
  private final float[] endings;
  private final double temperature;

  SourceCentroids(List<String> names, int dimensions, float[] openings, float[] endings, double temperature) {
    if (names.isEmpty()) throw new IllegalArgumentException("at least one source is needed");
    if (openings.length != names.size() * dimensions || endings.length != names.size() * dimensions) {
      throw new IllegalArgumentException(names.size() + " sources need " + names.size() * dimensions
          + " centroid values for openings and for endings, got " + openings.length + " and " + endings.length);
    }
    if (!(temperature > 0)) throw new IllegalArgumentException("the temperature must be positive, got " + temperature);
    this.names = List.copyOf(names);
    this.dimensions = dimensions;
    this.openings = openings;
    this.endings = endings;
    this.temperature = temperature;
  }

  /**
   * The centroids of vectors grouped by source: {@code source[i]} is the index in {@code names} of
   * prompt i, whose vectors are {@code openings.get(i)} and {@code endings.get(i)}.
   */
  static SourceCentroids of(List<String> names, List<float[]> openings, List<float[]> endings, int[] source,
      double temperature) {
    int dims = openings.getFirst().length;
    return new SourceCentroids(names, dims, unitMeans(names.size(), dims, openings, source),
        unitMeans(names.size(), dims, endings, source), temperature);
  }

  private static float[] unitMeans(int sources, int dims, List<float[]> vectors, int[] source) {
    double[] sums = new double[sources * dims];
    for (int i = 0; i < vectors.size(); i++) {
      float[] v = vectors.get(i);
      for (int d = 0; d < dims; d++) sums[source[i] * dims + d] += v[d];
    }
    float[] unit = new float[sums.length];
    for (int c = 0; c < sources; c++) {
      double norm = 0;
      for (int d = 0; d < dims; d++) norm += sums[c * dims + d] * sums[c * dims + d];
      norm = Math.sqrt(norm);
      for (int d = 0; d < dims; d++) unit[c * dims + d] = norm == 0 ? 0 : (float) (sums[c * dims + d] / norm);
    }
    return unit;
  }

  List<String> names() {
    return names;
  }

  int size() {
    return names.size();
  }

  float[] openings() {
    return openings;
  }

  float[] endings() {
    return endings;
  }

  double temperature() {
    return temperature;
  }

  /** The probability of each source for a prompt's unit vectors; sums to 1. */
  double[] posterior(float[] opening, float[] ending) {
    double[] z = new double[names.size()];
    for (int c = 0; c < z.length; c++) {
      double dot = 0;
      int base = c * dimensions;
      for (int d = 0; d < dimensions; d++) dot += opening[d] * openings[base + d] + ending[d] * endings[base + d];
      z[c] = dot / 2;
    }
    return softmax(z, temperature);
  }

  /** {@code exp(t * z_c) / sum exp(t * z)}, computed without overflow; a {@code -Infinity} has probability 0. */
  static double[] softmax(double[] z, double temperature) {
    double max = Double.NEGATIVE_INFINITY;
    for (double x : z) max = Math.max(max, x);
    double[] p = new double[z.length];
    double sum = 0;
    for (int c = 0; c < z.length; c++) {
      p[c] = Math.exp(temperature * (z[c] - max));
      sum += p[c];
    }
    for (int c = 0; c < z.length; c++) p[c] /= sum;
    return p;
  }
}
