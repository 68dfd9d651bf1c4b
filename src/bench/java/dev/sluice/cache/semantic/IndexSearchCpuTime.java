package dev.sluice.cache.semantic;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;

/**
 * Brute force against HNSW (one compacted Lucene graph, as {@link GrowingIndex} builds it), in CPU
 * time per query rather than wall time, so that a machine shared with other work still gives
 * comparable figures: 400 random queries over {@code size} random unit vectors of 384 dimensions,
 * the four nearest each, after three warm-up rounds.
 *
 * <p>Run (not part of the build):
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp target/test-classes:target/classes:$(cat target/bench.classpath) \
 *     dev.sluice.cache.semantic.IndexSearchCpuTime
 * </pre>
 */
public final class IndexSearchCpuTime {
  public static void main(String[] args) {
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    Random r = new Random(2);
    for (int size : new int[] {500, 1024, 2048, 4096, 8000}) {
      BruteForceIndex brute = new BruteForceIndex();
      try (HnswIndex hnsw = new HnswIndex()) {
        for (int i = 0; i < size; i++) {
          float[] v = unit(r);
          brute.add(i, v);
          hnsw.add(i, v);
        }
        hnsw.compact();
        float[][] queries = new float[400][];
        for (int i = 0; i < queries.length; i++) queries[i] = unit(r);
        for (int w = 0; w < 3; w++) {
          for (float[] q : queries) {
            brute.nearest(q, EmbeddingMatcher.CANDIDATES);
            hnsw.nearest(q, EmbeddingMatcher.CANDIDATES);
          }
        }
        long t0 = cpu.getCurrentThreadCpuTime();
        for (float[] q : queries) brute.nearest(q, EmbeddingMatcher.CANDIDATES);
        long t1 = cpu.getCurrentThreadCpuTime();
        for (float[] q : queries) hnsw.nearest(q, EmbeddingMatcher.CANDIDATES);
        long t2 = cpu.getCurrentThreadCpuTime();
        System.out.printf("size %5d: brute force %7.1f µs, hnsw %7.1f µs of CPU per query%n", size,
            (t1 - t0) / 1e3 / queries.length, (t2 - t1) / 1e3 / queries.length);
      }
    }
  }

  private static float[] unit(Random r) {
    float[] v = new float[384];
    double n = 0;
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
      n += v[i] * v[i];
    }
    for (int i = 0; i < v.length; i++) v[i] /= (float) Math.sqrt(n);
    return v;
  }
}
