package dev.sluice.cache;

import dev.sluice.error.GatewayError;
import dev.sluice.stream.Chunk;
import dev.sluice.stream.ChunkStream;
import io.vertx.core.Context;

/**
 * One client's read of a {@link Flight}'s stream: a cursor over its recorded chunks, from the first,
 * delivered on the client's event loop as they arrive, then the stream's end. Pausing stops this
 * cursor only; cancelling leaves the flight (the last member to leave cancels the upstream).
 */
final class FlightStream implements ChunkStream {
  private final Flight flight;
  private final Context context;
  private Subscriber subscriber;
  private int next;
  private boolean paused;
  private boolean done;
  private boolean draining;

  FlightStream(Flight flight, Context context) {
    this.flight = flight;
    this.context = context;
  }

  @Override
  public void subscribe(Subscriber s) {
    if (subscriber != null) throw new IllegalStateException("a chunk stream has one subscriber");
    subscriber = s;
    drain();
  }

  /** New chunks or the end are there: drain them on this reader's event loop. */
  void signal() {
    Flight.onContext(context, this::drain);
  }

  private void drain() {
    if (subscriber == null || draining) return;
    draining = true;
    try {
      while (!done && !paused) {
        String data = flight.chunk(next);
        if (data != null) {
          next++;
          subscriber.onChunk(Chunk.ofText(data));
        } else if (flight.endedAt(next)) {
          done = true;
          flight.dropReader(this);
          flight.memberLeft();
          GatewayError error = flight.streamError();
          if (error == null) subscriber.onComplete(); else subscriber.onError(error);
        } else {
          return;
        }
      }
    } finally {
      draining = false;
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
    drain();
  }

  @Override
  public void cancel() {
    if (done) return;
    done = true;
    flight.dropReader(this);
    flight.memberLeft();
  }
}
