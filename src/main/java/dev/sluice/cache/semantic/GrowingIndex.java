package dev.sluice.cache.semantic;

import java.util.List;

/**
 * Brute force while small, HNSW once large: starts as a {@link BruteForceIndex} and moves every vector
 * into an {@link HnswIndex} when it reaches {@value #HNSW_FROM} vectors. Below that size one exact
 * scan is cheaper than a graph search (see docs/benchmarks.md, "Semantic cache").
 */
final class GrowingIndex implements VectorIndex {
  static final int HNSW_FROM = 2048;

  private final int hnswFrom;
  private VectorIndex index = new BruteForceIndex();

  GrowingIndex() {
    this(HNSW_FROM);
  }

  GrowingIndex(int hnswFrom) {
    this.hnswFrom = hnswFrom;
  }

  @Override
  public void add(int id, float[] vector) {
    index.add(id, vector);
    if (index instanceof BruteForceIndex small && small.size() >= hnswFrom) {
      HnswIndex large = new HnswIndex();
      small.forEach((v, i) -> large.add(i, v));
      index = large;
    }
  }

  /** Whether searches go through the HNSW graph. */
  boolean usesHnsw() {
    return index instanceof HnswIndex;
  }

  @Override
  public List<Neighbour> nearest(float[] query, int k) {
    return index.nearest(query, k);
  }

  @Override
  public int size() {
    return index.size();
  }

  @Override
  public void close() {
    index.close();
  }
}
