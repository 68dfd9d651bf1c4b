package dev.sluice.stream;

import dev.sluice.error.GatewayError;

/** A {@link ChunkStream} that tells an {@link ChunkStream.Observer} of each event, then passes it on. */
final class ObservedChunkStream implements ChunkStream {
  private final ChunkStream source;
  private final Observer observer;
  private boolean ended;

  ObservedChunkStream(ChunkStream source, Observer observer) {
    this.source = source;
    this.observer = observer;
  }

  @Override
  public void subscribe(Subscriber subscriber) {
    source.subscribe(new Subscriber() {
      @Override
      public void onChunk(Chunk chunk) {
        observer.onChunk(chunk);
        subscriber.onChunk(chunk);
      }

      @Override
      public void onComplete() {
        ended = true;
        observer.onComplete();
        subscriber.onComplete();
      }

      @Override
      public void onError(GatewayError error) {
        ended = true;
        observer.onError(error);
        subscriber.onError(error);
      }
    });
  }

  @Override
  public void pause() {
    source.pause();
  }

  @Override
  public void resume() {
    source.resume();
  }

  @Override
  public void cancel() {
    if (!ended) {
      ended = true;
      observer.onCancel();
    }
    source.cancel();
  }
}
