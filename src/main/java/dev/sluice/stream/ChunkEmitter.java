package dev.sluice.stream;

import dev.sluice.error.GatewayError;
import java.util.ArrayDeque;

/**
 * The producing side of a {@link ChunkStream}: a provider emits chunks as it decodes them, and they
 * reach the subscriber in order, held until it subscribes. Backpressure and cancellation go back to
 * the producer through the {@link Flow} it supplies.
 *
 * <p>Not thread-safe: the producer and the consumer run on the same event loop.
 */
public final class ChunkEmitter implements ChunkStream {

  /** How the consumer's signals reach the producer (the upstream connection). */
  public interface Flow {
    void pause();

    void resume();

    void cancel();
  }

  private final ArrayDeque<Chunk> held = new ArrayDeque<>();
  private Flow flow;
  private Subscriber subscriber;
  private boolean completed;
  private GatewayError failure;
  private boolean finished;
  private boolean cancelled;
  private int emitted;

  public ChunkEmitter(Flow flow) {
    this.flow = flow;
  }

  /** Replaces the flow control (a provider may know its connection only after it emitted). */
  public void flow(Flow flow) {
    this.flow = flow;
  }

  public boolean isCancelled() {
    return cancelled;
  }

  /** True once the stream has completed or failed (whether or not the subscriber has been told). */
  public boolean isEnded() {
    return completed || failure != null;
  }

  /** How many chunks have been emitted so far. */
  public int emittedCount() {
    return emitted;
  }

  public void emit(Chunk chunk) {
    if (isEnded() || cancelled) return;
    emitted++;
    if (subscriber == null) {
      held.add(chunk);
    } else {
      subscriber.onChunk(chunk);
    }
  }

  public void complete() {
    if (isEnded() || cancelled) return;
    completed = true;
    deliverEnd();
  }

  public void fail(GatewayError error) {
    if (isEnded() || cancelled) return;
    failure = error;
    deliverEnd();
  }

  @Override
  public void subscribe(Subscriber s) {
    if (subscriber != null) throw new IllegalStateException("a chunk stream has one subscriber");
    subscriber = s;
    while (!held.isEmpty() && !cancelled) {
      s.onChunk(held.poll());
    }
    deliverEnd();
  }

  private void deliverEnd() {
    if (subscriber == null || finished || !held.isEmpty()) return;
    if (completed) {
      finished = true;
      subscriber.onComplete();
    } else if (failure != null) {
      finished = true;
      subscriber.onError(failure);
    }
  }

  @Override
  public void pause() {
    if (flow != null) flow.pause();
  }

  @Override
  public void resume() {
    if (flow != null) flow.resume();
  }

  @Override
  public void cancel() {
    if (cancelled) return;
    cancelled = true;
    held.clear();
    if (flow != null && !isEnded()) flow.cancel();
  }
}
