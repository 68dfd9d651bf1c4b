package dev.sluice.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Brute force and HNSW agree on what a cache asks: the closest stored question to a near-duplicate. */
class VectorIndexTest {
  static final int DIMENSIONS = 384;

  static float[] unit(float[] v) {
    double n = 0;
    for (float x : v) n += x * x;
    float[] u = new float[v.length];
    for (int i = 0; i < v.length; i++) u[i] = (float) (v[i] / Math.sqrt(n));
    return u;
  }

  static float[] random(Random r) {
    float[] v = new float[DIMENSIONS];
    for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
    return unit(v);
  }

  /** {@code v} moved a little: a paraphrase of a stored question. */
  static float[] near(float[] v, Random r) {
    float[] w = new float[v.length];
    for (int i = 0; i < v.length; i++) w[i] = v[i] + (float) (r.nextGaussian() * 0.02);
    return unit(w);
  }

  @Test
  void bruteForceAndHnswGiveTheSameTopMatchOnASample() {
    Random r = new Random(7);
    BruteForceIndex exact = new BruteForceIndex();
    HnswIndex hnsw = new HnswIndex();
    float[][] stored = new float[3000][];
    for (int i = 0; i < stored.length; i++) {
      stored[i] = random(r);
      exact.add(i, stored[i]);
      hnsw.add(i, stored[i]);
    }
    for (int q = 0; q < 200; q++) {
      float[] query = near(stored[r.nextInt(stored.length)], r);
      List<VectorIndex.Neighbour> a = exact.nearest(query, 4);
      List<VectorIndex.Neighbour> b = hnsw.nearest(query, 4);
      assertThat(b.getFirst()).isEqualTo(a.getFirst());
    }
  }

  @Test
  void aVectorIsFoundTheMomentItIsAdded() {
    Random r = new Random(3);
    HnswIndex hnsw = new HnswIndex();
    for (int i = 0; i < 300; i++) hnsw.add(i, random(r));
    float[] late = random(r);
    hnsw.add(999, late);
    assertThat(hnsw.nearest(late, 1).getFirst().id()).isEqualTo(999);
    assertThat(hnsw.nearest(late, 1).getFirst().similarity()).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
    assertThat(hnsw.size()).isEqualTo(301);
  }

  @Test
  void hnswReportsTheSameSimilaritiesAsBruteForceMostSimilarFirst() {
    Random r = new Random(11);
    BruteForceIndex exact = new BruteForceIndex();
    HnswIndex hnsw = new HnswIndex();
    for (int i = 0; i < 500; i++) {
      float[] v = random(r);
      exact.add(i, v);
      hnsw.add(i, v);
    }
    float[] query = random(r);
    assertThat(hnsw.nearest(query, 4)).containsExactlyElementsOf(exact.nearest(query, 4));
    assertThat(new HnswIndex().nearest(query, 4)).isEmpty();
  }

  @Test
  void switchesFromBruteForceToHnswAtTheDocumentedSize() {
    Random r = new Random(5);
    try (GrowingIndex index = new GrowingIndex()) {
      float[] first = random(r);
      index.add(0, first);
      for (int i = 1; i < GrowingIndex.HNSW_FROM - 1; i++) index.add(i, random(r));
      assertThat(index.usesHnsw()).isFalse();
      index.add(GrowingIndex.HNSW_FROM - 1, random(r));
      assertThat(index.usesHnsw()).isTrue();
      assertThat(index.size()).isEqualTo(GrowingIndex.HNSW_FROM);
      assertThat(index.nearest(near(first, r), 1).getFirst().id()).isZero();
    }
  }
}
