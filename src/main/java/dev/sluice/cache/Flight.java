package dev.sluice.cache;

import dev.sluice.error.GatewayError;
import dev.sluice.pipeline.Served;
import dev.sluice.stream.Chunk;
import dev.sluice.stream.ChunkStream;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One upstream call that identical requests share: the leader makes it, followers wait for it and
 * get the same answer.
 *
 * <h2>Design</h2>
 *
 * A flight goes through one outcome: a whole answer, a stream, or a failure. Followers that
 * {@link #join} before it get it when it comes; those that join after get it at once. A stream is
 * recorded chunk by chunk into an append-only list as it arrives from upstream (on the leader's event
 * loop); every client of the flight, the leader's own included, reads that list through its own
 * {@link FlightStream} cursor on its own event loop, so a follower that joins mid-stream still gets
 * every chunk from the first, in order, then the end. The upstream is read at its own pace: the
 * answer is buffered in the flight (it is going to be stored anyway), and a slow client only slows
 * its own cursor.
 *
 * <p>Membership: the leader and each follower are members until they are done with the flight (got a
 * whole answer, read the stream to its end, gave up waiting, or went away). When the last member
 * goes away before a stream ends, the upstream is cancelled and the flight fails with
 * {@link GatewayError.StreamInterrupted}, so that no one joins a call nobody will finish.
 *
 * <h2>Concurrency</h2>
 *
 * Members run on different event loops. All state is guarded by this object's monitor, held only
 * to read or change it, never while calling out. Deliveries to a member happen on its own context
 * ({@link Context#runOnContext}), directly when that is the current one.
 */
final class Flight {

  /** What the leader's call came to. */
  sealed interface Outcome {
    record Whole(byte[] body, Served served) implements Outcome {}

    record Streaming(Served served) implements Outcome {}

    record Failed(GatewayError error) implements Outcome {}
  }

  /** A follower waiting for the outcome; settled once, by the outcome or by its timeout. */
  static final class Waiter {
    private final Context context;
    private final Promise<Outcome> promise;
    private final AtomicBoolean settled = new AtomicBoolean();

    Waiter(Context context, Promise<Outcome> promise) {
      this.context = context;
      this.promise = promise;
    }

    /** Completes, on the follower's context, with the flight's outcome (never if the follower left first). */
    Future<Outcome> outcome() {
      return promise.future();
    }

    private void deliver(Outcome outcome) {
      if (!settled.compareAndSet(false, true)) return;
      onContext(context, () -> promise.complete(outcome));
    }
  }

  private final Runnable onEnd;
  private Outcome outcome;
  private final List<String> chunks = new ArrayList<>();
  private boolean ended;
  private GatewayError streamError;
  private final List<Waiter> waiters = new ArrayList<>(4);
  private final List<FlightStream> readers = new ArrayList<>(4);
  private int members = 1;
  private ChunkStream upstream;
  private Context upstreamContext;
  private boolean finished;
  private StreamEnd streamEnd;
  private volatile long costNanos = -1;

  /** @param onEnd run once when the flight can take no more followers (it answered, failed or its stream ended) */
  Flight(Runnable onEnd) {
    this.onEnd = onEnd;
  }

  /**
   * A flight that is over already, with these chunks: what a stored stream is replayed from, by a
   * {@link FlightStream} like any other (same order, same backpressure).
   */
  static Flight recorded(List<String> chunks) {
    Flight f = new Flight(() -> { });
    synchronized (f) {
      f.chunks.addAll(chunks);
      f.ended = true;
      f.finished = true;
    }
    return f;
  }

  /**
   * Joins as a follower: the returned waiter's promise completes with the outcome, on {@code context}.
   * A flight whose stream already failed answers with that failure, so the follower can start anew.
   */
  Waiter join(Context context) {
    Waiter w = new Waiter(context, Promise.promise());
    Outcome now;
    synchronized (this) {
      if (outcome == null) {
        members++;
        waiters.add(w);
        return w;
      }
      if (outcome instanceof Outcome.Streaming && ended && streamError != null) {
        now = new Outcome.Failed(streamError);
      } else {
        if (outcome instanceof Outcome.Streaming) members++;
        now = outcome;
      }
    }
    w.deliver(now);
    return w;
  }

  /** The follower stops waiting (its timeout); false when the outcome came first. */
  boolean leave(Waiter w) {
    if (!w.settled.compareAndSet(false, true)) return false;
    synchronized (this) {
      waiters.remove(w);
    }
    memberLeft();
    return true;
  }

  /** The leader's call answered whole. */
  void answered(byte[] body, Served served) {
    settle(new Outcome.Whole(body, served));
    end();
  }

  /** The leader's call failed before answering. */
  void failed(GatewayError error) {
    settle(new Outcome.Failed(error));
    end();
  }

  /**
   * The leader's call answers with a stream: records it from now on, and returns the leader's own
   * reader of it.
   *
   * @param onStreamEnd told once the stream ended, before the flight stops taking followers: with
   *     {@code null} and the chunks when it completed, with the error when it failed or was abandoned
   */
  FlightStream streaming(Served served, ChunkStream source, StreamEnd onStreamEnd) {
    Context here = Vertx.currentContext();
    synchronized (this) {
      upstream = source;
      upstreamContext = here;
      streamEnd = onStreamEnd;
    }
    FlightStream leader = reader(here);
    settle(new Outcome.Streaming(served));
    source.subscribe(new ChunkStream.Subscriber() {
      @Override
      public void onChunk(Chunk chunk) {
        List<FlightStream> toSignal;
        synchronized (Flight.this) {
          if (ended) return;
          chunks.add(chunk.data());
          toSignal = List.copyOf(readers);
        }
        for (FlightStream r : toSignal) r.signal();
      }

      @Override
      public void onComplete() {
        endStream(null);
      }

      @Override
      public void onError(GatewayError error) {
        endStream(error);
      }
    });
    return leader;
  }

  /** How a recorded stream ended. */
  @FunctionalInterface
  interface StreamEnd {
    void ended(GatewayError error, List<String> chunks);
  }

  /**
   * A reader of the stream for a member that is already counted (the leader, or a follower told of
   * the stream), delivering on {@code context} (a replay of a finished flight may pass {@code null}).
   */
  FlightStream reader(Context context) {
    FlightStream r = new FlightStream(this, context);
    synchronized (this) {
      readers.add(r);
    }
    return r;
  }

  /** What the leader's call cost, -1 until it is metered. */
  long costNanos() {
    return costNanos;
  }

  void costNanos(long nanos) {
    costNanos = nanos;
  }

  // ------------------------------------------------------------ for FlightStream, under the monitor

  /** The chunk at {@code index}, or {@code null} when there is none yet. */
  synchronized String chunk(int index) {
    return index < chunks.size() ? chunks.get(index) : null;
  }

  /** Whether the stream has ended with fewer than {@code index + 1} chunks. */
  synchronized boolean endedAt(int index) {
    return ended && index >= chunks.size();
  }

  synchronized GatewayError streamError() {
    return streamError;
  }

  /** A member is done with the flight; the last one to go before a stream ends abandons it. */
  void memberLeft() {
    ChunkStream toCancel = null;
    Context where = null;
    synchronized (this) {
      members--;
      if (members == 0 && upstream != null && !ended) {
        toCancel = upstream;
        where = upstreamContext;
      }
    }
    if (toCancel != null) {
      endStream(new GatewayError.StreamInterrupted("every client of the stream went away"));
      ChunkStream s = toCancel;
      onContext(where, s::cancel);
    }
  }

  synchronized void dropReader(FlightStream r) {
    readers.remove(r);
  }

  // ------------------------------------------------------------ internals

  private void settle(Outcome o) {
    List<Waiter> toTell;
    synchronized (this) {
      outcome = o;
      toTell = List.copyOf(waiters);
      waiters.clear();
      if (!(o instanceof Outcome.Streaming)) members -= toTell.size(); // they are done once told
    }
    for (Waiter w : toTell) w.deliver(o);
  }

  /** Marks the stream ended, tells the readers and the leader's callback, then ends the flight. */
  private void endStream(GatewayError error) {
    List<FlightStream> toSignal;
    List<String> all;
    StreamEnd callback;
    synchronized (this) {
      if (ended) return;
      ended = true;
      streamError = error;
      toSignal = List.copyOf(readers);
      all = error == null ? List.copyOf(chunks) : List.of();
      callback = streamEnd;
    }
    for (FlightStream r : toSignal) r.signal();
    if (callback != null) callback.ended(error, all);
    end();
  }

  private void end() {
    synchronized (this) {
      if (finished) return;
      finished = true;
    }
    onEnd.run();
  }

  static void onContext(Context context, Runnable action) {
    if (context == null || context == Vertx.currentContext()) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }
}
