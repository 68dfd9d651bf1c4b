package dev.sluice.route;

import dev.sluice.error.GatewayError;
import dev.sluice.pipeline.Reply;
import dev.sluice.provider.UpstreamException;
import dev.sluice.provider.UpstreamFailure;
import dev.sluice.stream.Chunk;
import dev.sluice.stream.ChunkStream;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Per attempt: keeps a deployment within its limits and its circuit breaker informed. Refuses
 * (as {@link UpstreamFailure.Skipped}) an attempt on a deployment whose breaker is open, that asked
 * us to back off, or that is at {@code max_concurrency}; otherwise counts the attempt in flight
 * until it ends (for a stream: until the stream ends or the client goes away) and reports the
 * outcome to the breaker.
 */
public final class DeploymentGuardStage implements AttemptStage {
  private static final Duration DEFAULT_COOLDOWN_ON_429 = Duration.ofSeconds(1);

  private final LongSupplier nanoClock;

  public DeploymentGuardStage(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  @Override
  public Future<Reply> handle(Attempt attempt, Next next) {
    Deployment d = attempt.target().deployment();
    DeploymentState state = d.state();
    long now = nanoClock.getAsLong();
    long cooling = state.coolingNanos(now);
    if (cooling > 0) {
      return skipped("backing off for " + millis(cooling) + " ms more, as it asked (Retry-After)", cooling);
    }
    if (!state.tryAcquireSlot(d.config().maxConcurrency())) {
      return skipped("at its max_concurrency of " + d.config().maxConcurrency() + " requests in flight", 0);
    }
    if (!state.breaker().tryAcquire(now)) {
      state.releaseSlot();
      long wait = state.breaker().nanosUntilProbe(now);
      return skipped("circuit open after repeated failures (next probe in " + millis(wait) + " ms)", wait);
    }
    Future<Reply> result;
    try {
      result = next.proceed(attempt);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result.transform(ar -> {
      if (ar.failed()) {
        state.releaseSlot();
        onFailure(state, ar.cause());
        return Future.failedFuture(ar.cause());
      }
      Reply reply = ar.result();
      if (reply instanceof Reply.Streaming s) {
        return Future.succeededFuture(s.withChunks(s.chunks().observed(new StreamEnd(state))));
      }
      state.releaseSlot();
      state.breaker().onSuccess(nanoClock.getAsLong());
      return Future.succeededFuture(reply);
    });
  }

  private void onFailure(DeploymentState state, Throwable cause) {
    long now = nanoClock.getAsLong();
    if (cause instanceof UpstreamException ue) {
      UpstreamFailure f = ue.failure();
      if (f instanceof UpstreamFailure.ErrorStatus e && e.status() == 429) {
        Duration wait = e.retryAfter() != null ? e.retryAfter() : DEFAULT_COOLDOWN_ON_429;
        state.coolUntil(now + wait.toNanos());
      }
      if (FailurePolicy.isDeploymentFault(f)) {
        state.breaker().onFailure(now);
      } else {
        state.breaker().onNeutral();
      }
    } else {
      state.breaker().onNeutral();
    }
  }

  /** Releases the slot when a stream ends, and tells the breaker how it went. */
  private final class StreamEnd implements ChunkStream.Observer {
    private final DeploymentState state;
    private boolean done;

    StreamEnd(DeploymentState state) {
      this.state = state;
    }

    @Override
    public void onChunk(Chunk chunk) {}

    @Override
    public void onComplete() {
      finish(true);
    }

    @Override
    public void onError(GatewayError error) {
      finish(false);
    }

    @Override
    public void onCancel() {
      if (done) return;
      done = true;
      state.releaseSlot();
      state.breaker().onNeutral();
    }

    private void finish(boolean ok) {
      if (done) return;
      done = true;
      state.releaseSlot();
      if (ok) state.breaker().onSuccess(nanoClock.getAsLong()); else state.breaker().onFailure(nanoClock.getAsLong());
    }
  }

  private static Future<Reply> skipped(String reason, long waitNanos) {
    return Future.failedFuture(new UpstreamException(new UpstreamFailure.Skipped(reason, Duration.ofNanos(waitNanos))));
  }

  private static long millis(long nanos) {
    return (nanos + 999_999) / 1_000_000;
  }
}
