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
  /** Sluice's encoder as the gateway runs it: one inference thread per drain, a drain per core. */
  encoder(MiniLm::load, BatchingEmbedder.Limits.DEFAULT),
  /** As Sluice ran before: one drain, each inference spread by ONNX Runtime over every core. */
  library(() -> new AllMiniLmL6V2QuantizedEmbeddingModel(Runnable::run), new BatchingEmbedder.Limits(32, 4096, 1));

  private final Supplier<EmbeddingModel> loader;
  private final BatchingEmbedder.Limits limits;

  ModelVariant(Supplier<EmbeddingModel> loader, BatchingEmbedder.Limits limits) {
    this.loader = loader;
    this.limits = limits;
  }

  /** The model alone, to be called on the benchmark's thread. */
  public EmbeddingModel load() {
    EmbeddingModel model = loader.get();
    model.embedAll(List.of(dev.langchain4j.data.segment.TextSegment.from("warm up")));
    return model;
  }

  /** The model behind Sluice's embedder, as the gateway runs it. */
  public Embedder start() {
    Embedder embedder = MiniLm.start(this::load, limits);
    embedder.embed(List.of("warm up")).await();
    return embedder;
  }
}
