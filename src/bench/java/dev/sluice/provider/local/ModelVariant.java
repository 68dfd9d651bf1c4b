package dev.sluice.provider.local;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.util.List;
import java.util.function.Supplier;

/**
 * The two ways of running all-MiniLM-L6-v2 that the benchmarks compare side by side: {@code encoder}
 * is Sluice's ({@link MiniLmEncoder}: one inference thread, one tokenization), {@code library} is
 * LangChain4j's {@link AllMiniLmL6V2QuantizedEmbeddingModel} with ONNX Runtime's default options,
 * which Sluice ran before. Both give the same vectors.
 */
public enum ModelVariant {
  encoder(MiniLm::load),
  library(() -> new AllMiniLmL6V2QuantizedEmbeddingModel(Runnable::run));

  private final Supplier<EmbeddingModel> loader;

  ModelVariant(Supplier<EmbeddingModel> loader) {
    this.loader = loader;
  }

  /** The model alone, to be called on the benchmark's thread. */
  public EmbeddingModel load() {
    EmbeddingModel model = loader.get();
    model.embedAll(List.of(dev.langchain4j.data.segment.TextSegment.from("warm up")));
    return model;
  }

  /** The model behind Sluice's embedder, as the gateway runs it. */
  public Embedder start() {
    Embedder embedder = MiniLm.start(this::load, BatchingEmbedder.Limits.DEFAULT);
    embedder.embed(List.of("warm up")).await();
    return embedder;
  }
}
