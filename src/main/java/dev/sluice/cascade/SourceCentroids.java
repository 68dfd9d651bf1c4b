package dev.sluice.cascade;

import java.util.List;

/**
 * Where a prompt probably comes from, judged by its embedding: the training data's sources (its
 * files; for MMLU, the subjects) each have a centroid, the mean direction of their prompts'
 * vectors, and a prompt's probability of each source is a softmax of {@code temperature} times
 * its cosine similarity to each centroid. A router learns how well each model does per source, so
 * this is how it knows the subject of a prompt that arrives without one. Immutable; pure.
 */
final class SourceCentroids {
  private final List<String> names;
  private final int dimensions;
  /** Unit vectors, one per source, row after row. */
  private final float[] centroids;
  private final double temperature;

  SourceCentroids(List<String> names, int dimensions, float[] centroids, double temperature) {
    if (names.isEmpty()) throw new IllegalArgumentException("at least one source is needed");
    if (centroids.length != names.size() * dimensions) {
      throw new IllegalArgumentException(names.size() + " sources need " + names.size() * dimensions
          + " centroid values, got " + centroids.length);
    }
    if (!(temperature > 0)) throw new IllegalArgumentException("the temperature must be positive, got " + temperature);
    this.names = List.copyOf(names);
    this.dimensions = dimensions;
    this.centroids = centroids;
    this.temperature = temperature;
  }

  /** The centroids of vectors grouped by source: {@code source[i]} is the index in {@code names} of vector i. */
  static SourceCentroids of(List<String> names, List<float[]> vectors, int[] source, double temperature) {
    int dims = vectors.getFirst().length;
    double[] sums = new double[names.size() * dims];
    for (int i = 0; i < vectors.size(); i++) {
      float[] v = vectors.get(i);
      for (int d = 0; d < dims; d++) sums[source[i] * dims + d] += v[d];
    }
    float[] unit = new float[sums.length];
    for (int c = 0; c < names.size(); c++) {
      double norm = 0;
      for (int d = 0; d < dims; d++) norm += sums[c * dims + d] * sums[c * dims + d];
      norm = Math.sqrt(norm);
      for (int d = 0; d < dims; d++) unit[c * dims + d] = norm == 0 ? 0 : (float) (sums[c * dims + d] / norm);
    }
    return new SourceCentroids(names, dims, unit, temperature);
  }

  List<String> names() {
    return names;
  }

  int size() {
    return names.size();
  }

  float[] centroids() {
    return centroids;
  }

  double temperature() {
    return temperature;
  }

  /** The probability of each source for a unit vector; sums to 1. */
  double[] posterior(float[] vector) {
    double[] z = new double[names.size()];
    for (int c = 0; c < z.length; c++) {
      double dot = 0;
      int base = c * dimensions;
      for (int d = 0; d < dimensions; d++) dot += vector[d] * centroids[base + d];
      z[c] = dot;
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
