package dev.sluice.cache.semantic;

import java.util.List;

/**
 * Unit-length vectors by id, searched for the most similar ones (dot product, which is cosine for
 * unit vectors). Not thread-safe: one thread adds and searches.
 */
interface VectorIndex extends AutoCloseable {

  /** One search result: a stored id and its similarity to the query, -1..1. */
  record Neighbour(int id, double similarity) {}

  void add(int id, float[] vector);

  /** The {@code k} most similar stored vectors, most similar first. */
  List<Neighbour> nearest(float[] query, int k);

  int size();

  @Override
  default void close() {}
}
