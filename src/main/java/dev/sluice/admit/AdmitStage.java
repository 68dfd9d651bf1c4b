package dev.sluice.admit;

import dev.sluice.config.GatewayConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import dev.sluice.meter.Charges;
import dev.sluice.meter.Money;
import dev.sluice.meter.TokenEstimator;
import dev.sluice.meter.Usage;
import dev.sluice.pipeline.Call;
import dev.sluice.pipeline.Chain;
import dev.sluice.pipeline.Operation;
import dev.sluice.pipeline.Principal;
import dev.sluice.pipeline.Reply;
import dev.sluice.pipeline.Stage;
import dev.sluice.route.Catalog;
import dev.sluice.route.Deployment;
import dev.sluice.store.Budgets.Budget;
import dev.sluice.store.RateLimits.RateLimit;
import dev.sluice.store.UsageLedger;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Admission: the key's models, rate limits and budgets, before any upstream is called.
 *
 * <p>The request's worst case is estimated first: prompt tokens counted with the model's
 * tokenizer, plus the most output it may produce, priced at the dearest deployment it could land
 * on (fallbacks included). Rate limits take one request and the estimated tokens from every limit
 * that applies (all or none); budgets reserve the worst-case charge (all or none). A refusal is a
 * 429: {@code rate_limit_exceeded} with {@code Retry-After}, or {@code budget_exceeded} with
 * {@code x-should-retry: false}. When the meter has priced the request, the reservations are
 * settled with what it actually used and cost, which also fires budget alerts.
 */
public final class AdmitStage implements Stage {
  private final AdmissionRules rules;
  private final RateLimiter limiter;
  private final BudgetGuard guard;
  private final BudgetAlerts alerts;
  private final UsageLedger ledger;
  private final TokenEstimator estimator;
  private final Catalog catalog;
  private final Charges charges;
  private final Vertx vertx;
  private final InstantSource clock;

  public AdmitStage(AdmissionRules rules, RateLimiter limiter, BudgetGuard guard, BudgetAlerts alerts,
      UsageLedger ledger, TokenEstimator estimator, Catalog catalog, Charges charges, Vertx vertx, InstantSource clock) {
    this.rules = rules;
    this.limiter = limiter;
    this.guard = guard;
    this.alerts = alerts;
    this.ledger = ledger;
    this.estimator = estimator;
    this.catalog = catalog;
    this.charges = charges;
    this.vertx = vertx;
    this.clock = clock;
  }

  @Override
  public Future<Reply> handle(Call call, Chain chain) {
    Principal who = call.principal();
    if (who != null && !who.mayCall(call.model())) {
      throw new GatewayException(new GatewayError.Forbidden("This API key may not call the model '" + call.model()
          + "'. It may call: " + String.join(", ", who.models()) + ".", "model_not_allowed"));
    }
    if (rules.isEmpty()) return chain.proceed(call);
    List<RateLimit> limits = rules.limits(who, call.model());
    List<Budget> budgets = rules.budgets(who, call.attribution());
    if (limits.isEmpty() && budgets.isEmpty()) return chain.proceed(call);

    WorstCase worst = worstCase(call);
    RateLimiter.Permit permit = null;
    Map<String, String> rateHeaders = Map.of();
    if (!limits.isEmpty()) {
      RateLimiter.Decision d = limiter.acquire(limits, worst.tokens);
      if (d instanceof RateLimiter.Decision.Refused r) {
        throw new GatewayException(new GatewayError.RateLimited(describe(r), Duration.ofNanos(r.retryAfterNanos()),
            headers(r.headers())));
      }
      RateLimiter.Decision.Admitted a = (RateLimiter.Decision.Admitted) d;
      permit = a.permit();
      rateHeaders = headers(a.headers());
    }
    RateLimiter.Permit heldPermit = permit;
    Map<String, String> replyHeaders = rateHeaders;
    if (budgets.isEmpty()) {
      if (heldPermit != null) call.trace().onMetered((tokens, cost, charge) -> heldPermit.settle(tokens));
      return chain.proceed(call).map(reply -> withHeaders(reply, replyHeaders));
    }

    Instant now = clock.instant();
    return load(budgets, now)
        .compose(v -> charges.plans().plan(who.tenant()))
        .compose(plan -> {
          long chargeEstimate = Math.max(worst.cost.nanos(),
              plan.charge(worst.cost, Optional.of(Usage.of(worst.promptTokens, worst.outputTokens)), call.model()).nanos());
          BudgetGuard.Decision d = guard.reserve(budgets, chargeEstimate, now);
          if (d instanceof BudgetGuard.Decision.Refused r) {
            if (heldPermit != null) heldPermit.settle(0);
            return Future.failedFuture(new GatewayException(new GatewayError.BudgetExceeded(describe(r))));
          }
          BudgetGuard.Reservation reservation = ((BudgetGuard.Decision.Reserved) d).reservation();
          call.trace().onMetered((tokens, cost, charge) -> {
            if (heldPermit != null) heldPermit.settle(tokens);
            for (BudgetGuard.Alert alert : reservation.settle(charge)) alerts.send(alert);
          });
          return chain.proceed(call).map(reply -> withHeaders(reply, replyHeaders));
        }, err -> {
          if (heldPermit != null) heldPermit.settle(0);
          return Future.failedFuture(err);
        });
  }

  /** Loads the current period's spend of budgets not loaded yet (from the ledger, on a worker thread). */
  private Future<Void> load(List<Budget> budgets, Instant now) {
    List<Budget> missing = guard.unloaded(budgets, now);
    if (missing.isEmpty()) return Future.succeededFuture();
    return vertx.executeBlocking(() -> {
      for (Budget b : missing) {
        BudgetPeriod p = BudgetPeriod.of(b.period(), now, guard.zone());
        long spent = switch (b.scope()) {
          case "tenant" -> ledger.chargeNanos(b.tenant(), null, null, null, p.start(), p.end());
          case "key" -> ledger.chargeNanos(b.tenant(), b.target(), null, null, p.start(), p.end());
          case "feature" -> ledger.chargeNanos(b.tenant(), null, b.target(), null, p.start(), p.end());
          default -> ledger.chargeNanos(b.tenant(), null, null, b.target(), p.start(), p.end());
        };
        guard.load(b, now, spent);
      }
      return null;
    }, false);
  }

  /** The most a request can use and cost, over every deployment it could be served by. */
  private record WorstCase(long tokens, long promptTokens, long outputTokens, Money cost) {}

  private WorstCase worstCase(Call call) {
    GatewayConfig config = call.config();
    Optional<ModelConfig> asked = config.model(call.model());
    if (asked.isEmpty()) return new WorstCase(1, 1, 0, Money.ZERO);
    long prompt = 0;
    long output = 0;
    Money cost = Money.ZERO;
    Set<String> seen = new HashSet<>();
    List<ModelConfig> queue = new ArrayList<>(List.of(asked.get()));
    for (int i = 0; i < queue.size(); i++) {
      ModelConfig m = queue.get(i);
      if (!seen.add(m.name())) continue;
      for (Deployment d : catalog.deployments(m.name())) {
        String upstream = d.config().upstreamModelFor(m.isPattern() ? call.model() : m.name());
        TokenEstimator.Estimate e = call.operation() == Operation.EMBEDDINGS
            ? embeddingsEstimate(call, m, d, upstream)
            : estimator.estimate(call.body(), m, d.config(), upstream);
        prompt = Math.max(prompt, e.promptTokens());
        output = Math.max(output, e.outputTokens());
        if (e.worstCaseCost().isPresent() && e.worstCaseCost().get().compareTo(cost) > 0) cost = e.worstCaseCost().get();
      }
      for (String f : m.fallbacks()) config.model(f).ifPresent(queue::add);
      m.cascade().ifPresent(c -> {
        config.model(c.cheap()).ifPresent(queue::add);
        config.model(c.strong()).ifPresent(queue::add);
      });
    }
    return new WorstCase(prompt + output, prompt, output, cost);
  }

  private TokenEstimator.Estimate embeddingsEstimate(Call call, ModelConfig m, Deployment d, String upstream) {
    // An embeddings request has no output: its worst case is its input, priced as input.
    long tokens = 0;
    var input = call.body().get("input");
    if (input != null && input.isTextual()) tokens = input.asText().length() / 3 + 1;
    if (input != null && input.isArray()) for (var item : input) tokens += item.isTextual() ? item.asText().length() / 3 + 1 : item.size();
    return new TokenEstimator.Estimate(tokens, 0, Optional.empty());
  }

  private static String describe(RateLimiter.Decision.Refused r) {
    RateLimit l = r.limit();
    String who = l.scope().equals("key") ? "key " + l.target() : "tenant " + l.tenant();
    String per = r.what().equals("requests") ? l.rpm() + " requests" : l.tpm() + " tokens";
    return "Rate limit reached for " + who + (l.model() == null ? "" : " on model " + l.model()) + ": " + per
        + " per minute. Retry after " + Math.max(1, (r.retryAfterNanos() + 999_999_999) / 1_000_000_000) + " s.";
  }

  private static String describe(BudgetGuard.Decision.Refused r) {
    Budget b = r.budget();
    String who = switch (b.scope()) {
      case "tenant" -> "tenant " + b.tenant();
      case "key" -> "key " + b.target();
      default -> b.scope() + " " + b.target() + " of tenant " + b.tenant();
    };
    return "Budget exceeded for " + who + ": $" + Money.ofNanos(b.amountNanos()) + " per " + b.period()
        + ", $" + Money.ofNanos(r.spentNanos()) + " spent and $" + Money.ofNanos(r.reservedNanos())
        + " held by requests in flight; this request could cost up to $" + Money.ofNanos(r.estimateNanos()) + ".";
  }

  /** OpenAI's rate-limit headers for the tightest limit. */
  static Map<String, String> headers(RateLimiter.Headers h) {
    Map<String, String> out = new LinkedHashMap<>();
    if (h.limitRequests() >= 0) {
      out.put("x-ratelimit-limit-requests", Long.toString(h.limitRequests()));
      out.put("x-ratelimit-remaining-requests", Long.toString(h.remainingRequests()));
      out.put("x-ratelimit-reset-requests", duration(h.resetRequestsNanos()));
    }
    if (h.limitTokens() >= 0) {
      out.put("x-ratelimit-limit-tokens", Long.toString(h.limitTokens()));
      out.put("x-ratelimit-remaining-tokens", Long.toString(h.remainingTokens()));
      out.put("x-ratelimit-reset-tokens", duration(h.resetTokensNanos()));
    }
    return out;
  }

  /** A duration the way OpenAI writes them in rate-limit headers: {@code 6m0s}, {@code 1s}, {@code 120ms}. */
  static String duration(long nanos) {
    long ms = (nanos + 999_999) / 1_000_000;
    if (ms < 1000) return ms + "ms";
    long s = (ms + 999) / 1000;
    if (s < 60) return s + "s";
    return (s / 60) + "m" + (s % 60) + "s";
  }

  private static Reply withHeaders(Reply reply, Map<String, String> headers) {
    Reply r = reply;
    for (Map.Entry<String, String> h : headers.entrySet()) r = r.withHeader(h.getKey(), h.getValue());
    return r;
  }
}
