package dev.sluice.cache.semantic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.codecs.hnsw.DefaultFlatVectorScorer;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.KnnCollector;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.util.VectorUtil;
import org.apache.lucene.util.hnsw.HnswGraphBuilder;
import org.apache.lucene.util.hnsw.HnswGraphSearcher;
import org.apache.lucene.util.hnsw.RandomVectorScorer;

/**
 * Approximate nearest neighbours through Lucene's HNSW graph, built and searched on the heap: the
 * graph of Lucene's own indexing code ({@link HnswGraphBuilder}, default connections and beam
 * width) over the stored {@code float[]}s themselves. Each vector joins the graph as it is added, so
 * it is findable at once, and a search reads the vectors where they are, with no index files or
 * readers in between (reading each visited vector out of an in-memory Lucene directory was most of
 * a search's time).
 *
 * <p>A search walks the graph with a queue of {@value #SEARCH_WIDTH} candidates, wider than the
 * four neighbours the cache asks for, which finds the true nearest far more often for a few
 * microseconds more (see docs/benchmarks.md, "Semantic cache"). Similarities are recomputed exactly
 * for the neighbours returned, so they equal what {@link BruteForceIndex} reports.
 */
final class HnswIndex implements VectorIndex {
  /** Candidates kept while walking the graph ({@code ef} in the HNSW paper). */
  static final int SEARCH_WIDTH = 32;
  /** A fixed seed: the same additions build the same graph. */
  private static final long SEED = 42;

  private final List<float[]> vectors = new ArrayList<>();
  private int[] ids = new int[64];
  private FloatVectorValues values;
  private HnswGraphBuilder graph;

  @Override
  public void add(int id, float[] vector) {
    try {
      if (graph == null) {
        values = FloatVectorValues.fromFloats(vectors, vector.length);
        graph = HnswGraphBuilder.create(
            DefaultFlatVectorScorer.INSTANCE.getRandomVectorScorerSupplier(VectorSimilarityFunction.DOT_PRODUCT, values),
            HnswGraphBuilder.DEFAULT_MAX_CONN, HnswGraphBuilder.DEFAULT_BEAM_WIDTH, SEED);
      }
      int ord = vectors.size();
      if (ord == ids.length) ids = Arrays.copyOf(ids, ord * 2);
      ids[ord] = id;
      vectors.add(vector);
      graph.addGraphNode(ord);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // on-heap vectors: never thrown
    }
  }

  @Override
  public List<Neighbour> nearest(float[] query, int k) {
    if (vectors.isEmpty()) return List.of();
    try {
      RandomVectorScorer scorer =
          DefaultFlatVectorScorer.INSTANCE.getRandomVectorScorer(VectorSimilarityFunction.DOT_PRODUCT, values, query);
      KnnCollector found = HnswGraphSearcher.search(scorer, Math.max(k, SEARCH_WIDTH), graph.getGraph(), null,
          Integer.MAX_VALUE);
      ScoreDoc[] hits = found.topDocs().scoreDocs; // best first
      List<Neighbour> nearest = new ArrayList<>(Math.min(k, hits.length));
      for (int i = 0; i < hits.length && i < k; i++) {
        int ord = hits[i].doc;
        nearest.add(new Neighbour(ids[ord], VectorUtil.dotProduct(query, vectors.get(ord))));
      }
      nearest.sort((a, b) -> Double.compare(b.similarity(), a.similarity()));
      return nearest;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public int size() {
    return vectors.size();
  }
}
