package dev.sluice.route;

import dev.sluice.config.GatewayConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import dev.sluice.pipeline.Call;
import dev.sluice.pipeline.Chain;
import dev.sluice.pipeline.Operation;
import dev.sluice.pipeline.Reply;
import dev.sluice.pipeline.Stage;
import dev.sluice.provider.EmbeddingsProvider;
import dev.sluice.provider.Provider;
import dev.sluice.provider.UpstreamException;
import dev.sluice.provider.UpstreamFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last per-request stage: plans where the request goes ({@link Router}) and runs the attempt
 * loop over that plan, retrying and falling back as {@link FailurePolicy} decides, until an
 * attempt succeeds, the upstream refuses the request itself, the plan is exhausted, or the request's
 * deadline passes. This is the boundary between the two loops: everything before it runs once per
 * request, the {@link AttemptStage}s inside it run once per try.
 */
public final class RouteStage implements Stage {
  private static final Logger log = LoggerFactory.getLogger(RouteStage.class);

  private final Catalog catalog;
  private final List<AttemptStage> attemptStages;
  private final Vertx vertx;
  private final LongSupplier nanoClock;

  public RouteStage(Catalog catalog, List<AttemptStage> attemptStages, Vertx vertx, LongSupplier nanoClock) {
    this.catalog = catalog;
    this.attemptStages = List.copyOf(attemptStages);
    this.vertx = vertx;
    this.nanoClock = nanoClock;
  }

  @Override
  public Future<Reply> handle(Call call, Chain chain) {
    GatewayConfig config = call.config();
    ModelConfig model = config.model(call.model()).orElseThrow(() -> new GatewayException(
        new GatewayError.ModelNotFound(call.model(), "The model '" + call.model() + "' does not exist on this gateway. "
            + "Configured models: " + describeModels(config) + " (GET /v1/models lists them).")));
    RoutePlan plan = Router.plan(config, catalog, model, call.model(),
        d -> d.state().outstanding(), ThreadLocalRandom.current());
    List<Target> capable = new ArrayList<>();
    for (Target t : plan.targets()) {
      if (canServe(t.deployment(), call.operation())) capable.add(t);
    }
    if (capable.isEmpty()) {
      String what = call.operation() == Operation.EMBEDDINGS ? "embeddings" : "chat completions";
      throw new GatewayException(new GatewayError.InvalidRequest(
          "The model '" + call.model() + "' does not serve " + what + ".", "model", "model_not_supported"));
    }
    return new Loop(call, model, capable).run();
  }

  private static boolean canServe(Deployment d, Operation op) {
    return op == Operation.EMBEDDINGS ? d.provider() instanceof EmbeddingsProvider : d.provider() instanceof Provider;
  }

  private static String describeModels(GatewayConfig config) {
    List<String> names = new ArrayList<>();
    for (ModelConfig m : config.models()) names.add(m.name());
    return names.isEmpty() ? "none" : String.join(", ", names);
  }

  /** The state of one request's attempt loop. Runs on the request's event loop. */
  private final class Loop {
    private final Call call;
    private final ModelConfig model;
    private final List<Target> targets;
    private int index;
    private int triesOnTarget;
    private int retriesLeft;
    private int attempts;
    private final Map<String, String> failures = new LinkedHashMap<>();
    private UpstreamFailure last;
    private UpstreamFailure lastSent;
    private GatewayError.InvalidRequest refusal;
    private boolean sawTimeout;

    Loop(Call call, ModelConfig model, List<Target> targets) {
      this.call = call;
      this.model = model;
      this.targets = targets;
      this.retriesLeft = model.retry().maxRetries();
    }

    Future<Reply> run() {
      long now = nanoClock.getAsLong();
      if (now - call.deadlineNanos() >= 0) {
        sawTimeout = true;
        return exhausted();
      }
      if (index >= targets.size()) {
        return exhausted();
      }
      Target target = targets.get(index);
      triesOnTarget++;
      attempts++;
      long attemptDeadline = Math.min(call.deadlineNanos(),
          now + target.deployment().config().timeouts().total().toNanos());
      Attempt attempt = new Attempt(call, target, attempts, attemptDeadline);
      Future<Reply> result;
      try {
        result = AttemptStage.run(attemptStages, attempt);
      } catch (RuntimeException e) {
        result = Future.failedFuture(e);
      }
      return result.recover(err -> {
        if (err instanceof UpstreamException ue) {
          return onFailure(target, ue.failure());
        }
        if (err instanceof GatewayException ge && ge.error() instanceof GatewayError.InvalidRequest refused) {
          return onRefusal(target, refused);
        }
        return Future.failedFuture(err);
      });
    }

    /**
     * A provider cannot serve this request as asked (an OpenAI feature its protocol lacks): nothing
     * was sent. Another deployment may serve it; if none can, the client gets the refusal.
     */
    private Future<Reply> onRefusal(Target target, GatewayError.InvalidRequest refused) {
      attempts--;
      if (refusal == null) refusal = refused;
      failures.merge(target.route() + "/" + target.deployment().id(), "cannot serve this request: " + refused.message(),
          (a, b) -> a);
      index++;
      triesOnTarget = 0;
      return run();
    }

    private Future<Reply> onFailure(Target target, UpstreamFailure failure) {
      if (failure instanceof UpstreamFailure.Skipped) {
        attempts--; // nothing was sent: not an attempt
        triesOnTarget--;
      }
      last = failure;
      if (!(failure instanceof UpstreamFailure.Skipped)) lastSent = failure;
      if (failure instanceof UpstreamFailure.TimedOut) sawTimeout = true;
      String where = target.route() + "/" + target.deployment().id();
      // A deployment skipped after it failed (it asked us to back off) keeps its real failure.
      failures.merge(where, failure.summary(), (a, b) -> failure instanceof UpstreamFailure.Skipped ? a : b);
      long remaining = call.deadlineNanos() - nanoClock.getAsLong();
      FailurePolicy.Decision decision = FailurePolicy.decide(failure, model.retry(), retriesLeft, triesOnTarget,
          index + 1 < targets.size(), Duration.ofNanos(Math.max(0, remaining)), ThreadLocalRandom.current());
      switch (decision) {
        case FailurePolicy.Decision.Relay r -> {
          return Future.failedFuture(new GatewayException(relay(r.error())));
        }
        case FailurePolicy.Decision.RetrySame retry -> {
          retriesLeft--;
          if (!(failure instanceof UpstreamFailure.Skipped)) {
            log.warn("request {}: {} failed ({}); retrying in {} ms", call.requestId(), where, failure.summary(),
                retry.delay().toMillis());
          }
          long ms = retry.delay().toMillis();
          if (ms <= 0) return run();
          return vertx.timer(ms).compose(v -> run());
        }
        case FailurePolicy.Decision.Next n -> {
          if (!(failure instanceof UpstreamFailure.Skipped)) {
            log.warn("request {}: {} failed ({}); {}", call.requestId(), where, failure.summary(),
                index + 1 < targets.size() ? "trying the next deployment" : "no deployment left");
          }
          index++;
          triesOnTarget = 0;
          return run();
        }
      }
    }

    private Future<Reply> exhausted() {
      if (lastSent == null && refusal != null && !(last instanceof UpstreamFailure.Skipped)) {
        return Future.failedFuture(new GatewayException(refusal));
      }
      String summary = summarize();
      boolean pastDeadline = nanoClock.getAsLong() - call.deadlineNanos() >= 0;
      if (pastDeadline || (sawTimeout && lastSent instanceof UpstreamFailure.TimedOut)) {
        return failed(GatewayError.UpstreamFailed.Kind.TIMEOUT, "The upstream did not answer in time for model '"
            + call.model() + "'. " + summary, null);
      }
      if (lastSent instanceof UpstreamFailure.ErrorStatus e && e.status() == 429) {
        Duration wait = e.retryAfter() != null ? e.retryAfter() : shortestWait();
        return failed(GatewayError.UpstreamFailed.Kind.UNAVAILABLE, "Every deployment of model '" + call.model()
            + "' is rate-limited upstream. " + summary, wait.isZero() ? Duration.ofSeconds(1) : wait);
      }
      if (lastSent == null) {
        Duration wait = shortestWait();
        return failed(GatewayError.UpstreamFailed.Kind.UNAVAILABLE, "No deployment of model '" + call.model()
            + "' can take the request right now. " + summary, wait.isZero() ? Duration.ofSeconds(1) : wait);
      }
      return failed(GatewayError.UpstreamFailed.Kind.BAD_GATEWAY, "The upstream failed for model '" + call.model()
          + "'. " + summary, null);
    }

    private Duration shortestWait() {
      long best = Long.MAX_VALUE;
      long now = nanoClock.getAsLong();
      for (Target t : targets) {
        DeploymentState s = t.deployment().state();
        long wait = Math.max(s.coolingNanos(now), s.breaker().nanosUntilProbe(now));
        best = Math.min(best, wait);
      }
      return best == Long.MAX_VALUE ? Duration.ZERO : Duration.ofNanos(best);
    }

    private String summarize() {
      if (failures.isEmpty()) return "No attempt could be made before the deadline.";
      StringBuilder sb = new StringBuilder();
      if (attempts == 0) {
        sb.append("No deployment was tried: ");
      } else {
        sb.append(attempts).append(attempts == 1 ? " attempt" : " attempts").append(" failed: ");
      }
      boolean first = true;
      for (Map.Entry<String, String> e : failures.entrySet()) {
        if (!first) sb.append("; ");
        first = false;
        sb.append(e.getKey()).append(": ").append(e.getValue());
      }
      char last = sb.charAt(sb.length() - 1);
      return (last == '.' || last == '!' || last == '?' ? sb : sb.append('.')).toString();
    }

    private Future<Reply> failed(GatewayError.UpstreamFailed.Kind kind, String message, Duration retryAfter) {
      return Future.failedFuture(new GatewayException(new GatewayError.UpstreamFailed(kind, message, retryAfter)));
    }

    private GatewayError relay(UpstreamFailure.ErrorStatus e) {
      String message = e.message() == null || e.message().isBlank()
          ? "The upstream refused the request with HTTP " + e.status() + "."
          : e.message();
      return new GatewayError.UpstreamRejected(e.status(), message, e.type(), e.param(), e.code());
    }
  }
}
