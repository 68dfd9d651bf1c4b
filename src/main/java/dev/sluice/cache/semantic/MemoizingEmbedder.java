package dev.sluice.cache.semantic;

import dev.sluice.provider.local.Embedder;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * An {@link Embedder} that remembers every vector it has made, so an evaluation can replay the same
 * questions at several thresholds without running the model again. Unbounded: for evaluations only.
 */
final class MemoizingEmbedder implements Embedder {
  private final Embedder model;
  private final Map<String, float[]> vectors = new ConcurrentHashMap<>();

  MemoizingEmbedder(Embedder model) {
    this.model = model;
  }

  /** The vector already made for {@code text}, or null. */
  float[] remembered(String text) {
    return vectors.get(text);
  }

  @Override
  public String model() {
    return model.model();
  }

  @Override
  public int dimensions() {
    return model.dimensions();
  }

  @Override
  public Future<Embeddings> embed(List<String> texts) {
    return remembered(texts, model::embed);
  }

  @Override
  public Future<Embeddings> embedOnModelThread(List<String> texts) {
    return remembered(texts, model::embedOnModelThread);
  }

  private Future<Embeddings> remembered(List<String> texts, Function<List<String>, Future<Embeddings>> embed) {
    if (texts.stream().allMatch(vectors::containsKey)) {
      return Future.succeededFuture(new Embeddings(texts.stream().map(vectors::get).toList(), 0));
    }
    return embed.apply(texts).map(e -> {
      for (int i = 0; i < texts.size(); i++) vectors.put(texts.get(i), e.vectors().get(i));
      return e;
    });
  }

  @Override
  public Stats stats() {
    return model.stats();
  }

  @Override
  public void close() {
    model.close();
  }
}
