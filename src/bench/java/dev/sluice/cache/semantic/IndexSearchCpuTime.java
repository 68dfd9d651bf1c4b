package dev.sluice.cache.semantic;

import dev.sluice.provider.local.Embedder;
import dev.sluice.provider.local.MiniLm;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Brute force against HNSW (as {@link GrowingIndex} builds it), in CPU time per query rather than
 * wall time, so that a machine shared with other work still gives comparable figures, and how often
 * HNSW finds what brute force finds: 1,000 queries, the four nearest each, after ten warm-up rounds.
 *
 * <p>With a question-pair CSV ({@code question1,question2,is_duplicate}) the vectors are real
 * MiniLM embeddings: the first questions of the pairs are stored, and half the queries are their
 * pairs' second questions (paraphrases or near misses), half are first questions of pairs not
 * stored (misses). Without one, random unit vectors, which have no structure for the graph to use.
 *
 * <p>Run (not part of the build):
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector \
 *     -cp target/test-classes:target/classes:$(cat target/bench.classpath) \
 *     dev.sluice.cache.semantic.IndexSearchCpuTime [/work/shared/data/semantic-cache/meancache/val.csv]
 * </pre>
 */
public final class IndexSearchCpuTime {
  private static final int[] SIZES = {512, 1024, 2048, 4096, 8000};
  private static final int QUERIES = 1000;
  private static final int K = EmbeddingMatcher.CANDIDATES;

  public static void main(String[] args) throws Exception {
    List<float[]> stored = new ArrayList<>();
    List<float[]> paired = new ArrayList<>();
    int needed = SIZES[SIZES.length - 1] + QUERIES / 2;
    if (args.length > 0) {
      try (Embedder model = MiniLm.start()) {
        for (QuestionPairs.Pair p : QuestionPairs.read(Path.of(args[0]))) {
          if (stored.size() == needed) break;
          if (p.question1().isBlank() || p.question2().isBlank()) continue;
          List<float[]> v = model.embed(List.of(p.question1(), p.question2())).await().vectors();
          stored.add(v.get(0));
          paired.add(v.get(1));
        }
      }
    } else {
      Random r = new Random(2);
      for (int i = 0; i < needed; i++) {
        stored.add(unit(r));
        paired.add(unit(r));
      }
    }
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    for (int size : SIZES) {
      BruteForceIndex brute = new BruteForceIndex();
      HnswIndex hnsw = new HnswIndex();
      for (int i = 0; i < size; i++) {
        brute.add(i, stored.get(i));
        hnsw.add(i, stored.get(i));
      }
      List<float[]> queries = new ArrayList<>();
      for (int i = 0; i < QUERIES / 2; i++) queries.add(paired.get(i * size / (QUERIES / 2)));
      for (int i = 0; i < QUERIES / 2; i++) queries.add(stored.get(size + i));
      for (int w = 0; w < 10; w++) {
        for (float[] q : queries) {
          brute.nearest(q, K);
          hnsw.nearest(q, K);
        }
      }
      long t0 = cpu.getCurrentThreadCpuTime();
      for (float[] q : queries) brute.nearest(q, K);
      long t1 = cpu.getCurrentThreadCpuTime();
      for (float[] q : queries) hnsw.nearest(q, K);
      long t2 = cpu.getCurrentThreadCpuTime();
      int sameFirst = 0;
      int sameOfFour = 0;
      for (float[] q : queries) {
        List<VectorIndex.Neighbour> exact = brute.nearest(q, K);
        List<VectorIndex.Neighbour> approximate = hnsw.nearest(q, K);
        if (approximate.getFirst().id() == exact.getFirst().id()) sameFirst++;
        Set<Integer> ids = new HashSet<>();
        for (VectorIndex.Neighbour n : exact) ids.add(n.id());
        for (VectorIndex.Neighbour n : approximate) if (ids.contains(n.id())) sameOfFour++;
      }
      System.out.printf("size %5d: brute force %7.1f µs, hnsw %7.1f µs of CPU per query; hnsw finds the nearest "
          + "%.3f, the four nearest %.3f%n", size, (t1 - t0) / 1e3 / QUERIES, (t2 - t1) / 1e3 / QUERIES,
          (double) sameFirst / QUERIES, (double) sameOfFour / (K * QUERIES));
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
