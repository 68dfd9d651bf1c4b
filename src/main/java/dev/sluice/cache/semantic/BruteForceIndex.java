package dev.sluice.cache.semantic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.apache.lucene.util.VectorUtil;

/**
 * Compares the query with every stored vector: exact, and fast while the index is small (see
 * {@link GrowingIndex#HNSW_FROM}). Dot products go through Lucene's {@link VectorUtil}, which uses
 * SIMD instructions when the JVM runs with {@code --add-modules jdk.incubator.vector}.
 */
final class BruteForceIndex implements VectorIndex {
  private int[] ids = new int[16];
  private float[][] vectors = new float[16][];
  private int size;

  @Override
  public void add(int id, float[] vector) {
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, size * 2);
      vectors = Arrays.copyOf(vectors, size * 2);
    }
    ids[size] = id;
    vectors[size] = vector;
    size++;
  }

  @Override
  public List<Neighbour> nearest(float[] query, int k) {
    PriorityQueue<Neighbour> best = new PriorityQueue<>(Comparator.comparingDouble(Neighbour::similarity));
    for (int i = 0; i < size; i++) {
      double similarity = VectorUtil.dotProduct(query, vectors[i]);
      if (best.size() < k) {
        best.add(new Neighbour(ids[i], similarity));
      } else if (similarity > best.peek().similarity()) {
        best.poll();
        best.add(new Neighbour(ids[i], similarity));
      }
    }
    List<Neighbour> sorted = new ArrayList<>(best);
    sorted.sort(Comparator.comparingDouble(Neighbour::similarity).reversed());
    return sorted;
  }

  @Override
  public int size() {
    return size;
  }

  /** The stored vectors in the order added, for moving them into another index. */
  void forEach(java.util.function.ObjIntConsumer<float[]> action) {
    for (int i = 0; i < size; i++) action.accept(vectors[i], ids[i]);
  }
}
