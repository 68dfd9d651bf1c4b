package dev.sluice.cache;

import dev.sluice.stream.Chunk;
import dev.sluice.stream.ChunkStream;
import java.util.List;

/**
 * A stored stream played back to one client: the same chunks in the same order, then the end. It
 * honours the client's backpressure (a paused replay waits for {@link #resume}). Runs on the
 * client's event loop, like any stream.
 */
final class ReplayStream implements ChunkStream {
  private final List<String> chunks;
  private Subscriber subscriber;
  private int next;
  private boolean paused;
  private boolean done;
  private boolean delivering;

  ReplayStream(List<String> chunks) {
    this.chunks = chunks;
  }

  @Override
  public void subscribe(Subscriber s) {
    if (subscriber != null) throw new IllegalStateException("a chunk stream has one subscriber");
    subscriber = s;
    deliver();
  }

  private void deliver() {
    if (delivering) return; // a resume from inside onChunk: the loop below carries on
    delivering = true;
    try {
      while (!done && !paused && next < chunks.size()) {
        subscriber.onChunk(Chunk.ofText(chunks.get(next++)));
      }
      if (!done && !paused && next == chunks.size()) {
        done = true;
        subscriber.onComplete();
      }
    } finally {
      delivering = false;
    }
  }

  @Override
  public void pause() {
    paused = true;
  }

  @Override
  public void resume() {
    if (!paused) return;
    paused = false;
    if (subscriber != null) deliver();
  }

  @Override
  public void cancel() {
    done = true;
  }
}
