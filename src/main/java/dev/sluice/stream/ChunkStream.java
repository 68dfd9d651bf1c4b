package dev.sluice.stream;

import dev.sluice.error.GatewayError;

/**
 * A stream of chat-completion chunks with one consumer, pushed as they arrive from upstream.
 *
 * <p>Contract: {@link #subscribe} is called at most once and starts delivery; every callback runs
 * on the event loop of the request, in order; after {@code onComplete} or {@code onError} nothing
 * more is delivered. {@link #pause()} and {@link #resume()} carry the client's backpressure to the
 * upstream connection. {@link #cancel()} means the consumer is gone (the client disconnected): the
 * stream releases its upstream and delivers nothing more.
 *
 * <p>Stages that need to see a stream go by (the meter, the cache) wrap it with {@link #observed}
 * instead of reading it: the stream stays one code path, whoever consumes it.
 */
public interface ChunkStream {

  void subscribe(Subscriber subscriber);

  void pause();

  void resume();

  void cancel();

  /** The consumer of a stream. */
  interface Subscriber {
    void onChunk(Chunk chunk);

    void onComplete();

    void onError(GatewayError error);
  }

  /** Something that watches a stream go by without consuming it. Every method is optional. */
  interface Observer {
    default void onChunk(Chunk chunk) {}

    default void onComplete() {}

    default void onError(GatewayError error) {}

    /** The consumer went away before the stream ended. */
    default void onCancel() {}
  }

  /** This stream, with {@code observer} told of every event before the consumer is. */
  default ChunkStream observed(Observer observer) {
    return new ObservedChunkStream(this, observer);
  }
}
