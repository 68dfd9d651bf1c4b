package dev.sluice.runs;

import dev.sluice.error.ErrorWire;
import dev.sluice.error.GatewayError;
import dev.sluice.stream.Chunk;
import dev.sluice.stream.ChunkStream;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.function.Consumer;

/**
 * A streamed reply of a run: it puts the assistant message back together as chunks pass (for the
 * loop check), and it can be ended by the kill switch: {@link #stopRun} releases the upstream and
 * ends the stream with a {@code run_stopped} error, which the client sees as an SSE error event.
 *
 * <p>Every callback runs on the request's event loop; {@link #stopRun} may be called from any
 * thread and hops onto it.
 */
final class RunStream implements ChunkStream {
  private final ChunkStream source;
  private final RunTracker.Run run;
  private final Consumer<RunCallEnd> finished;
  private final ReplyAssembler reply = new ReplyAssembler();
  private Context context;
  private Subscriber subscriber;
  private boolean ended;

  /** How a streamed call ended: the assembled reply (or null), the status and error code the client saw. */
  record RunCallEnd(com.fasterxml.jackson.databind.node.ObjectNode reply, int status, String errorCode) {}

  RunStream(ChunkStream source, RunTracker.Run run, Consumer<RunCallEnd> finished) {
    this.source = source;
    this.run = run;
    this.finished = finished;
  }

  @Override
  public void subscribe(Subscriber downstream) {
    this.subscriber = downstream;
    this.context = Vertx.currentContext();
    if (!run.open(this)) {
      source.cancel();
      end(stoppedError());
      return;
    }
    source.subscribe(new Subscriber() {
      @Override
      public void onChunk(Chunk chunk) {
        if (ended) return;
        try {
          reply.add(chunk.json());
        } catch (RuntimeException e) {
          // a chunk that is not JSON is passed on as it is; the loop check sees the rest
        }
        downstream.onChunk(chunk);
      }

      @Override
      public void onComplete() {
        if (ended) return;
        ended = true;
        run.closed(RunStream.this);
        finished.accept(new RunCallEnd(reply.message(), 200, null));
        downstream.onComplete();
      }

      @Override
      public void onError(GatewayError error) {
        end(error);
      }
    });
  }

  /** Ends the stream because its run was stopped. Any thread. */
  void stopRun() {
    if (context == null) return; // not subscribed yet: subscribe() will find the run stopped
    context.runOnContext(v -> {
      if (ended) return;
      source.cancel();
      end(stoppedError());
    });
  }

  private void end(GatewayError error) {
    if (ended) return;
    ended = true;
    run.closed(this);
    ErrorWire.Response wire = ErrorWire.of(error);
    finished.accept(new RunCallEnd(reply.message(), wire.status(), wire.body().path("error").path("code").asText(null)));
    subscriber.onError(error);
  }

  private GatewayError stoppedError() {
    return new GatewayError.RunRefused(GatewayError.RunRefused.STOPPED,
        "Run " + run.id() + " was stopped by an operator while this answer was streaming.", null);
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
      run.closed(this);
      finished.accept(new RunCallEnd(reply.message(), 499, null));
    }
    source.cancel();
  }
}
