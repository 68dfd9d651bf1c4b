package dev.sluice.runs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.admit.WorstCase;
import dev.sluice.api.Json;
import dev.sluice.error.ErrorWire;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import dev.sluice.events.GatewayEvents;
import dev.sluice.meter.Money;
import dev.sluice.meter.TokenEstimator;
import dev.sluice.pipeline.Attribution;
import dev.sluice.pipeline.Call;
import dev.sluice.pipeline.Chain;
import dev.sluice.pipeline.Principal;
import dev.sluice.pipeline.Reply;
import dev.sluice.pipeline.Stage;
import dev.sluice.route.Catalog;
import dev.sluice.store.Runs;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent-run guard, in admission: a call that names a run ({@code X-Sluice-Run},
 * {@code metadata.run_id} or a {@code traceparent}) is counted against its run's limits and
 * checked for loops before anything is sent upstream. Calls without a run pass untouched.
 *
 * <p>Outcomes: a stopped run is refused (409 {@code run_stopped}); a call over a limit is refused
 * (429 {@code run_limit_exceeded}); a call that continues a loop gets the tenant's loop verdict:
 * {@code warn} (served, with {@code X-Sluice-Run-Warning}), {@code slow} (served after a delay
 * that doubles with each further looping call, on a timer, never blocking the event loop) or
 * {@code stop} (429 {@code run_loop_detected}). A refused call is recorded in the ledger as
 * avoided, worth the worst-case cost it would have reserved, under mechanism {@code run_guard}.
 * An admitted call reserves its worst case on the run until the meter settles it.
 */
public final class RunGuardStage implements Stage {
  private static final Logger log = LoggerFactory.getLogger(RunGuardStage.class);

  public static final String WARNING_HEADER = "X-Sluice-Run-Warning";
  static final long FIRST_DELAY_MS = 250;
  static final long MAX_DELAY_MS = 8_000;
  /** How long a call may wait for a loop check's preparation (MiniLM embeddings) before it is decided without. */
  static final long PREPARE_WAIT_MS = 1_000;

  private final RunTracker tracker;
  private final RunPolicies policies;
  private final IntFunction<LoopCheck> loopChecks;
  private final Map<Integer, LoopCheck> checksByThreshold = new ConcurrentHashMap<>();
  private final Runs verdicts;
  private final Catalog catalog;
  private final TokenEstimator estimator;
  private final Vertx vertx;
  private final InstantSource clock;
  private final GatewayEvents events;

  /**
   * @param loopChecks the loop check for a repeat threshold K (made once per K)
   */
  public RunGuardStage(RunTracker tracker, RunPolicies policies, IntFunction<LoopCheck> loopChecks, Runs verdicts,
      Catalog catalog, TokenEstimator estimator, Vertx vertx, InstantSource clock, GatewayEvents events) {
    this.tracker = tracker;
    this.policies = policies;
    this.loopChecks = loopChecks;
    this.verdicts = verdicts;
    this.catalog = catalog;
    this.estimator = estimator;
    this.vertx = vertx;
    this.clock = clock;
    this.events = events;
  }

  @Override
  public Future<Reply> handle(Call call, Chain chain) {
    Attribution a = call.attribution();
    if (a.run() == null) return chain.proceed(call);
    Principal who = call.principal();
    String tenant = who == null ? Principal.DEFAULT_TENANT : who.tenant();
    // the admin key and anonymous calls have no key policy of their own
    String keyId = who == null || who.admin() || who == Principal.ANONYMOUS ? null : who.keyId();
    Future<RunPolicy> policy = policies.policy(tenant, keyId, call.config().runs().defaults());
    Future<RunTracker.Run> run = tracker.run(tenant, a.run(), a.parentRun());
    if (policy.succeeded() && run.succeeded()) {
      return prepare(call, chain, run.result(), tightened(policy.result(), call.headers()));
    }
    // First call of a run or tenant in this process: continue on this request's event loop.
    return onThisContext(Future.all(policy, run))
        .compose(v -> prepare(call, chain, run.result(), tightened(policy.result(), call.headers())));
  }

  /** {@code f}, completing on the caller's Vert.x context (it may complete on another). */
  private static <T> Future<T> onThisContext(Future<T> f) {
    var context = Vertx.currentContext();
    return context == null ? f : Future.fromCompletionStage(f.toCompletionStage(), context);
  }

  /**
   * Lets a loop check that needs work off the event loop (MiniLM) do it before the call is
   * admitted; it waits only for what the check still lacks, at most {@value #PREPARE_WAIT_MS} ms.
   */
  private Future<Reply> prepare(Call call, Chain chain, RunTracker.Run run, RunPolicy policy) {
    LoopCheck check = checksByThreshold.computeIfAbsent(policy.repeatThreshold(), loopChecks::apply);
    RunCall next = RunCall.next(call.body());
    if (check instanceof PreparingLoopCheck p) {
      Future<Void> ready = p.prepare(run.recent(), next);
      if (!ready.isComplete()) {
        // Past the wait, the check decides with what it has: a finding may come a call later, never a false one.
        Promise<Void> waited = Promise.promise();
        long timer = vertx.setTimer(PREPARE_WAIT_MS, id -> waited.tryComplete());
        ready.onComplete(ar -> {
          vertx.cancelTimer(timer);
          waited.tryComplete();
        });
        return onThisContext(waited.future()).compose(v -> admit(call, chain, run, policy, check, next));
      }
    }
    return admit(call, chain, run, policy, check, next);
  }

  private Future<Reply> admit(Call call, Chain chain, RunTracker.Run run, RunPolicy policy, LoopCheck check,
      RunCall next) {
    // Admission's exact worst case when it computed one; else a bound that needs no tokenizer,
    // which holds a little more than the call can use, and the exact figure only near a limit.
    WorstCase worst = WorstCase.known(call);
    boolean exact = worst != null;
    if (!exact) worst = WorstCase.bound(call, catalog, estimator);
    ObjectNode request = call.body();
    RunTracker.Admission admission = run.admit(policy, worst.tokens(), worst.cost().nanos(), exact, check, next);
    if (admission instanceof RunTracker.Admission.Recheck) {
      worst = WorstCase.of(call, catalog, estimator);
      admission = run.admit(policy, worst.tokens(), worst.cost().nanos(), true, check, next);
    }
    if (admission instanceof RunTracker.Admission.Refused r) {
      // the ledger's avoided figure is the exact worst case, not the bound
      call.trace().avoided(WorstCase.of(call, catalog, estimator).cost().nanos(), "run_guard");
      if (r.reason() != null) verdict(call, run, "stop", r.reason(), r.message());
      return Future.failedFuture(new GatewayException(new GatewayError.RunRefused(r.code(), r.message(), r.reason())));
    }
    RunTracker.Admission.Admitted admitted = (RunTracker.Admission.Admitted) admission;
    call.trace().onMetered((tokens, cost, charge) -> admitted.reservation().settle(tokens, cost));
    LoopFinding finding = admitted.finding();
    Future<Reply> reply;
    if (finding == null) {
      reply = chain.proceed(call);
    } else if (policy.loopVerdict() == RunPolicy.LoopVerdict.SLOW) {
      long delay = delayMillis(admitted.loopStreak());
      verdict(call, run, "slow", finding.pattern(), finding.detail() + "; delayed " + delay + " ms");
      Promise<Void> waited = Promise.promise();
      vertx.setTimer(delay, id -> waited.complete());
      reply = waited.future().compose(v -> chain.proceed(call));
    } else {
      verdict(call, run, "warn", finding.pattern(), finding.detail());
      reply = chain.proceed(call);
    }
    return reply.transform(ar -> {
      if (ar.failed()) {
        ErrorWire.Response wire = ErrorWire.of(GatewayException.errorOf(ar.cause()));
        run.record(new RunCall(request, null, wire.status(), wire.body().path("error").path("code").asText(null)));
        return Future.failedFuture(ar.cause());
      }
      Reply r = switch (ar.result()) {
        case Reply.Complete c -> {
          ObjectNode message = assistantMessage(c);
          run.record(new RunCall(request, message, 200, null));
          if (message != null && check instanceof PreparingLoopCheck p) p.answered(message);
          yield c;
        }
        case Reply.Streaming s -> s.withChunks(new RunStream(s.chunks(), run, end -> {
          run.record(new RunCall(request, end.reply(), end.status(), end.errorCode()));
          if (end.reply() != null && end.status() == 200 && check instanceof PreparingLoopCheck p) p.answered(end.reply());
        }));
      };
      return Future.succeededFuture(finding == null ? r : r.withHeader(WARNING_HEADER, warning(finding)));
    });
  }

  /** The delay of the n-th looping call in a row under the {@code slow} verdict: 250 ms doubling, at most 8 s. */
  static long delayMillis(int streak) {
    int doublings = Math.min(Math.max(0, streak - 1), 10);
    return Math.min(MAX_DELAY_MS, FIRST_DELAY_MS << doublings);
  }

  /**
   * The policy tightened by the request's {@code X-Sluice-Run-Max-Calls} and
   * {@code X-Sluice-Run-Max-Cost-Usd}: a header can lower a limit, never raise it.
   */
  static RunPolicy tightened(RunPolicy p, MultiMap headers) {
    String calls = headers.get("x-sluice-run-max-calls");
    String cost = headers.get("x-sluice-run-max-cost-usd");
    if (calls == null && cost == null) return p;
    long maxCalls = p.maxCalls();
    long maxCost = p.maxCostNanos();
    if (calls != null) {
      try {
        long n = Long.parseLong(calls.strip());
        if (n < 1) throw new NumberFormatException();
        maxCalls = Math.min(maxCalls, n);
      } catch (NumberFormatException e) {
        throw invalidHeader("X-Sluice-Run-Max-Calls", "a whole number of calls, at least 1", calls);
      }
    }
    if (cost != null) {
      try {
        BigDecimal usd = new BigDecimal(cost.strip());
        if (usd.signum() <= 0 || usd.compareTo(BigDecimal.valueOf(1_000_000_000)) > 0) throw new NumberFormatException();
        maxCost = Math.min(maxCost, Money.ofUsd(usd).nanos());
      } catch (NumberFormatException e) {
        throw invalidHeader("X-Sluice-Run-Max-Cost-Usd", "a positive amount of US dollars such as 0.50", cost);
      }
    }
    return new RunPolicy(maxCalls, p.maxTokens(), maxCost, p.maxWallTime(), p.maxDepth(), p.loopVerdict(),
        p.repeatThreshold());
  }

  private static GatewayException invalidHeader(String name, String expected, String got) {
    String shown = got.length() > 40 ? got.substring(0, 40) + "..." : got;
    return new GatewayException(new GatewayError.InvalidRequest("Invalid " + name + " header: expected " + expected
        + ", got '" + shown + "'. It can only lower the run's limit.", name, "invalid_header"));
  }

  /**
   * The first choice's message of a chat completion. Unless the body was parsed already, only that
   * member is built: the rest (ids, usage, other choices) is skipped over without being decoded.
   */
  static ObjectNode assistantMessage(Reply.Complete c) {
    try {
      if (c.body().parsed()) {
        JsonNode m = c.body().tree().path("choices").path(0).path("message");
        return m instanceof ObjectNode o ? o : null;
      }
      try (JsonParser p = Json.MAPPER.createParser(c.body().bytes().getBytes())) {
        if (p.nextToken() != JsonToken.START_OBJECT || !skipTo(p, "choices") || p.currentToken() != JsonToken.START_ARRAY
            || p.nextToken() != JsonToken.START_OBJECT || !skipTo(p, "message")) {
          return null;
        }
        return p.currentToken() == JsonToken.START_OBJECT && Json.treeAt(p) instanceof ObjectNode o ? o : null;
      }
    } catch (IOException | RuntimeException e) {
      return null; // a body that is not JSON has no message to compare
    }
  }

  /** Moves to the value of {@code field} in the object being read, skipping the members before it. */
  private static boolean skipTo(JsonParser p, String field) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      if (field.equals(name)) return true;
      p.skipChildren();
    }
    return false;
  }

  /** {@code pattern; detail} in printable ASCII, as a header value must be. */
  static String warning(LoopFinding f) {
    String text = f.pattern() + "; " + f.detail();
    StringBuilder sb = new StringBuilder(Math.min(text.length(), 300));
    for (int i = 0; i < text.length() && sb.length() < 300; i++) {
      char ch = text.charAt(i);
      sb.append(ch >= 0x20 && ch < 0x7f ? ch : '?');
    }
    return sb.toString();
  }

  /** Records a verdict in the store (on a worker thread, not waited for) and tells the observers. */
  private void verdict(Call call, RunTracker.Run run, String verdict, String reason, String detail) {
    events.runVerdict(run.tenant(), verdict, reason);
    Runs.Verdict v = new Runs.Verdict(run.tenant(), run.id(), call.requestId(), clock.instant(), verdict, reason, detail);
    vertx.executeBlocking(() -> {
      verdicts.addVerdict(v);
      return null;
    }, false).onFailure(err -> log.warn("run {}: the {} verdict could not be recorded: {}", run.id(), verdict,
        err.toString()));
  }
}
