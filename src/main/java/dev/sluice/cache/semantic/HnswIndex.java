package dev.sluice.cache.semantic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.ByteBuffersDirectory;

/**
 * Approximate nearest neighbours through Lucene's HNSW graph, in memory. Vectors added since the last
 * refresh sit in a small brute-force tail that every search also scans, so an answer is findable
 * the moment it is added; the tail is moved into a new Lucene reader once it holds
 * {@value #TAIL} vectors, which keeps reopening (and tiny segments) rare.
 */
final class HnswIndex implements VectorIndex {
  static final int TAIL = 256;
  private static final String VECTOR = "v";
  private static final String ID = "id";

  private final ByteBuffersDirectory directory = new ByteBuffersDirectory();
  private final IndexWriter writer;
  private DirectoryReader reader;
  private IndexSearcher searcher;
  private BruteForceIndex tail = new BruteForceIndex();
  private int size;

  HnswIndex() {
    try {
      writer = new IndexWriter(directory, new IndexWriterConfig().setRAMBufferSizeMB(64));
      reader = DirectoryReader.open(writer);
      searcher = new IndexSearcher(reader);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void add(int id, float[] vector) {
    Document doc = new Document();
    doc.add(new KnnFloatVectorField(VECTOR, vector, VectorSimilarityFunction.DOT_PRODUCT));
    doc.add(new StoredField(ID, id));
    try {
      writer.addDocument(doc);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    tail.add(id, vector);
    size++;
    if (tail.size() >= TAIL) refresh();
  }

  /**
   * Merges everything added so far into one segment, hence one graph: a search walks one graph
   * instead of one per refresh. Costly (the graph is rebuilt), so done once, after a bulk load.
   */
  void compact() {
    try {
      writer.forceMerge(1);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    refresh();
  }

  private void refresh() {
    try {
      DirectoryReader newer = DirectoryReader.openIfChanged(reader, writer);
      if (newer != null) {
        reader.close();
        reader = newer;
        searcher = new IndexSearcher(reader);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    tail = new BruteForceIndex();
  }

  @Override
  public List<Neighbour> nearest(float[] query, int k) {
    List<Neighbour> found = new ArrayList<>(tail.nearest(query, k));
    if (reader.maxDoc() > 0) {
      try {
        ScoreDoc[] hits = searcher.search(new KnnFloatVectorQuery(VECTOR, query, k), k).scoreDocs;
        StoredFields fields = searcher.storedFields();
        for (ScoreDoc hit : hits) {
          int id = fields.document(hit.doc).getField(ID).numericValue().intValue();
          // Lucene scores a dot product d as (1 + d) / 2
          found.add(new Neighbour(id, 2.0 * hit.score - 1));
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    found.sort((a, b) -> Double.compare(b.similarity(), a.similarity()));
    return found.size() > k ? List.copyOf(found.subList(0, k)) : found;
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public void close() {
    try {
      reader.close();
      writer.close();
      directory.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
