package dev.sluice.route;

import dev.sluice.error.GatewayError;
import dev.sluice.events.GatewayEvents;
import dev.sluice.meter.HourlyCost;
import dev.sluice.pipeline.Reply;
import dev.sluice.pipeline.RequestTrace;
import dev.sluice.provider.UpstreamException;
import dev.sluice.provider.UpstreamFailure;
import dev.sluice.stream.ChunkStream;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Per attempt: keeps a deployment within its limits and its circuit breaker informed, and records
 * the attempt in the request's trace. Refuses (as {@link UpstreamFailure.Skipped}) an attempt on a
 * deployment whose breaker is open, that asked us to back off, or that is at
 * {@code max_concurrency}; otherwise counts the attempt in flight until it ends (for a stream:
 * until the stream ends or the client goes away) and reports the outcome to the breaker.
 */
public final class DeploymentGuardStage implements AttemptStage {
  private static final Duration DEFAULT_COOLDOWN_ON_429 = Duration.ofSeconds(1);

  private final LongSupplier nanoClock;
  private final GatewayEvents events;

  public DeploymentGuardStage(LongSupplier nanoClock, GatewayEvents events) {
    this.nanoClock = nanoClock;
    this.events = events;
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
    InFlight inFlight = new InFlight(attempt, now);
    Future<Reply> result;
    try {
      result = next.proceed(attempt);
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result.transform(ar -> {
      if (ar.failed()) {
        inFlight.failed(ar.cause());
        return Future.failedFuture(ar.cause());
      }
      Reply reply = ar.result();
      if (reply instanceof Reply.Streaming s) {
        return Future.succeededFuture(s.withChunks(s.chunks().observed(inFlight)));
      }
      inFlight.succeeded();
      return Future.succeededFuture(reply);
    });
  }

  /** One attempt in flight: ends exactly once, by success, failure, or the client going away. */
  private final class InFlight implements ChunkStream.Observer {
    private final Attempt attempt;
    private final DeploymentState state;
    private final long startNanos;
    private final HourlyCost.Handle hourly;
    private boolean done;

    InFlight(Attempt attempt, long startNanos) {
      this.attempt = attempt;
      this.state = attempt.target().deployment().state();
      this.startNanos = startNanos;
      this.hourly = state.hourly() == null ? null : state.hourly().start();
    }

    void succeeded() {
      if (end(200, null)) state.breaker().onSuccess(nanoClock.getAsLong());
    }

    void failed(Throwable cause) {
      if (!(cause instanceof UpstreamException ue)) {
        if (end(0, "not sent: " + describe(cause))) state.breaker().onNeutral();
        return;
      }
      UpstreamFailure f = ue.failure();
      int status = f instanceof UpstreamFailure.ErrorStatus e ? e.status() : 0;
      if (!end(status, f.summary())) return;
      Deployment d = attempt.target().deployment();
      events.attemptFailed(d.model(), d.id(), d.config().pool(), failureClass(f));
      long now = nanoClock.getAsLong();
      if (f instanceof UpstreamFailure.ErrorStatus e && e.status() == 429) {
        Duration wait = e.retryAfter() != null ? e.retryAfter() : DEFAULT_COOLDOWN_ON_429;
        state.coolUntil(now + wait.toNanos());
      }
      if (FailurePolicy.isDeploymentFault(f)) {
        state.breaker().onFailure(now);
      } else {
        state.breaker().onNeutral();
      }
    }

    @Override
    public void onComplete() {
      succeeded();
    }

    @Override
    public void onError(GatewayError error) {
      if (end(200, error.message())) state.breaker().onFailure(nanoClock.getAsLong());
    }

    @Override
    public void onCancel() {
      if (end(200, "client went away")) state.breaker().onNeutral();
    }

    /** Releases the slot and records the attempt; false when the attempt had already ended. */
    private boolean end(int status, String error) {
      if (done) return false;
      done = true;
      state.releaseSlot();
      if (hourly != null) attempt.call().trace().addHourlyCost(state.hourly().finish(hourly).nanos());
      Deployment d = attempt.target().deployment();
      long micros = (nanoClock.getAsLong() - startNanos) / 1_000;
      attempt.call().trace().attempt(new RequestTrace.Attempt(attempt.target().route(), d.id(),
          d.config().provider().wireName(), d.config().pool(), status, error, micros));
      return true;
    }
  }

  private static String failureClass(UpstreamFailure f) {
    return switch (f) {
      case UpstreamFailure.TimedOut t -> "timeout";
      case UpstreamFailure.ConnectFailed c -> "connect";
      case UpstreamFailure.ErrorStatus e -> e.status() == 429 ? "status_429" : e.status() >= 500 ? "status_5xx" : "status_4xx";
      case UpstreamFailure.Malformed m -> "malformed";
      case UpstreamFailure.Broken b -> "broken";
      case UpstreamFailure.Skipped s -> "skipped";
    };
  }

  /** A short, safe description of a failure that is not an upstream one, for the trace. */
  private static String describe(Throwable t) {
    return t instanceof dev.sluice.error.GatewayException ge ? ge.error().message() : t.getClass().getSimpleName();
  }

  private static Future<Reply> skipped(String reason, long waitNanos) {
    return Future.failedFuture(new UpstreamException(new UpstreamFailure.Skipped(reason, Duration.ofNanos(waitNanos))));
  }

  private static long millis(long nanos) {
    return (nanos + 999_999) / 1_000_000;
  }
}
