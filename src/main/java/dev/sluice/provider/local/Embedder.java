package dev.sluice.provider.local;

import io.vertx.core.Future;
import java.util.List;

/**
 * Turns texts into unit-length vectors with a model that runs inside Sluice. One instance serves a
 * whole gateway: the {@code local} provider behind {@code POST /v1/embeddings} and, later, the
 * semantic cache and the cascade router.
 *
 * <p>Threading: {@link #embed} never blocks and never runs the model on the calling thread; the
 * model runs on the embedder's own platform threads. Called on a Vert.x context (an event loop),
 * the future completes on that same context; called from any other thread, it completes on an
 * inference thread, and {@code Future.await()} may be used to wait for it.
 *
 * <p>Failures of the returned future:
 * <ul>
 *   <li>{@link EmptyTextException} when a text has nothing to embed (empty or whitespace only);
 *       the other texts of the same call are not embedded, other callers are not affected;
 *   <li>{@link java.util.concurrent.RejectedExecutionException} when the embedder is saturated (its
 *       queue is full: overload is refused at once, never queued without bound) or closed;
 *   <li>any other exception when the model itself failed (for example it could not be loaded).
 * </ul>
 */
public interface Embedder extends AutoCloseable {

  /** The model's name, as reported to clients (for example {@code all-minilm-l6-v2}). */
  String model();

  /** The length of every vector. */
  int dimensions();

  /** Embeds {@code texts}: one vector of length {@link #dimensions()} and norm 1 per text, in order. */
  Future<Embeddings> embed(List<String> texts);

  /**
   * Like {@link #embed}, but the future completes on the thread that ran the model (or at once, if
   * the call is refused), whatever the caller's context: for a caller that hands the vectors on to
   * a thread of its own, and would otherwise pass through its event loop on the way there. So
   * callbacks run on the model's thread (or, registered after completion, on the registering
   * thread, as with any future), and must be quick and never block. By default, the same as
   * {@link #embed}.
   */
  default Future<Embeddings> embedOnModelThread(List<String> texts) {
    return embed(texts);
  }

  /** Counters since the embedder started. */
  Stats stats();

  /** Refuses new calls, fails the calls still queued, and stops the inference threads. */
  @Override
  void close();

  /**
   * The answer to one {@link #embed} call.
   *
   * @param vectors one per text, in the order of the texts
   * @param tokens the tokens the model read, over all texts, counted by the model's own tokenizer
   */
  record Embeddings(List<float[]> vectors, int tokens) {
    public Embeddings {
      vectors = List.copyOf(vectors);
    }
  }

  /**
   * What the embedder has done.
   *
   * @param requests {@link #embed} calls accepted
   * @param inputs texts embedded (or attempted)
   * @param batches batches run; {@code inputs / batches} is the mean batch size
   * @param rejected calls refused because the queue was full or the embedder closed
   */
  record Stats(long requests, long inputs, long batches, long rejected) {}

  /** A text that the model cannot embed because it has no content (empty, or whitespace only). */
  final class EmptyTextException extends IllegalArgumentException {
    private final int index;

    public EmptyTextException(int index) {
      super("text " + index + " is empty or only whitespace; there is nothing to embed");
      this.index = index;
    }

    /** The position of the text in the call's list. */
    public int index() {
      return index;
    }
  }
}
