package dev.sluice.meter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.config.GatewayConfig.DeploymentConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import dev.sluice.error.ErrorWire;
import dev.sluice.events.GatewayEvents;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import dev.sluice.pipeline.Call;
import dev.sluice.pipeline.Chain;
import dev.sluice.pipeline.Principal;
import dev.sluice.pipeline.Reply;
import dev.sluice.pipeline.RequestTrace;
import dev.sluice.pipeline.Served;
import dev.sluice.pipeline.Stage;
import dev.sluice.route.Catalog;
import dev.sluice.route.Deployment;
import dev.sluice.store.UsageLedger;
import dev.sluice.store.UsageRecord;
import dev.sluice.stream.Chunk;
import dev.sluice.stream.ChunkStream;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.time.InstantSource;
import dev.sluice.api.JsonStrings;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one usage record per client request, whatever happens to it: answered, refused by a
 * later stage, failed upstream, streamed to the end, broken mid-stream, or abandoned by the client.
 * It wraps everything after it in the pipeline, so refusals by admission are recorded too.
 *
 * <p>Durability: the client gets the end of its answer (the JSON body, or a stream's final
 * {@code [DONE]} or error event) only after its record is committed, so a completed response
 * always has its record, even if the process dies the next instant. A client that goes away
 * mid-stream gets no end; its record (status 499) is written without waiting.
 */
public final class MeterStage implements Stage {
  private static final Logger log = LoggerFactory.getLogger(MeterStage.class);

  private final GatewayEvents events;
  private final UsageLedger ledger;
  private final Catalog catalog;
  private final PriceResolver prices;
  private final Charges charges;
  private final InstantSource clock;
  private final LongSupplier nanoClock;
  private final Set<String> warnedUnpriced = ConcurrentHashMap.newKeySet();

  public MeterStage(UsageLedger ledger, Catalog catalog, PriceResolver prices, Charges charges, InstantSource clock,
      LongSupplier nanoClock, GatewayEvents events) {
    this.events = events;
    this.ledger = ledger;
    this.catalog = catalog;
    this.prices = prices;
    this.charges = charges;
    this.clock = clock;
    this.nanoClock = nanoClock;
  }

  @Override
  public Future<Reply> handle(Call call, Chain chain) {
    Instant at = clock.instant();
    events.requestStarted();
    Future<Reply> result = chain.proceed(call);
    return result.transform(ar -> {
      if (ar.failed()) {
        GatewayError error = GatewayException.errorOf(ar.cause());
        return write(call, at, null, Optional.empty(), -1, error, 0).transform(v -> Future.failedFuture(ar.cause()));
      }
      Reply reply = ar.result();
      return switch (reply) {
        case Reply.Complete c -> write(call, at, c.served(), usageOf(c), -1, null, 200)
            .map(v -> (Reply) c);
        case Reply.Streaming s -> Future.succeededFuture(s.withChunks(new MeteredStream(s.chunks(), call, at, s.served())));
      };
    });
  }

  private static Optional<Usage> usageOf(Reply.Complete c) {
    var u = c.body().usage();
    return u == null ? Optional.empty() : Usage.fromUsage(u);
  }

  /** Prices, charges and appends the record; the future completes once it is committed. */
  private Future<Void> write(Call call, Instant at, Served served, Optional<Usage> reported, long ttftMicros,
      GatewayError error, int okStatus) {
    long latencyMicros = (nanoClock.getAsLong() - call.startNanos()) / 1_000;
    // A call answered without an upstream (a cache hit, a joined call) spent nothing and is charged
    // nothing; what its answer would cost now is what it avoided. A guard's refusal avoided the worst
    // case it reserved; a cascade's cheap answer avoided the strong model's price less its own.
    RequestTrace trace = call.trace();
    boolean noUpstream = answeredWithoutUpstream(trace);
    Priced answerPrice = price(call, served, reported);
    Priced total = withDiscarded(call, answerPrice);
    Avoided downgraded = avoided(call, served, reported, answerPrice, total);
    final long avoidedNanos = noUpstream ? avoided(trace, answerPrice)
        : downgraded.mechanism != null ? downgraded.nanos : trace.avoidedNanos();
    final String mechanism = !noUpstream && downgraded.mechanism != null ? downgraded.mechanism : trace.avoidedBy();
    Priced priced = noUpstream ? new Priced(Money.ZERO, true) : total;
    Optional<Usage> usage = noUpstream ? Optional.empty() : reported;
    Principal p = call.principal();
    String tenant = p == null ? Principal.DEFAULT_TENANT : p.tenant();
    Future<Money> charge = priced.cost.isZero() ? Future.succeededFuture(Money.ZERO)
        : charges.charge(tenant, priced.cost, usage, call.model(), at);
    return charge.recover(err -> {
      log.warn("request {}: charging failed ({}); charged as cost", call.requestId(), err.toString());
      return Future.succeededFuture(priced.cost);
    }).compose(chargeAmount -> {
      int status = okStatus;
      String errorCode = null;
      String errorClass = null;
      if (error != null) {
        ErrorWire.Response wire = ErrorWire.of(error);
        status = error instanceof GatewayError.StreamInterrupted ? okStatus : wire.status();
        errorCode = wire.body().path("error").path("code").asText(null);
        errorClass = errorClass(error);
      }
      Usage u = usage.orElse(new Usage(0, 0, 0, 0, 0));
      try {
        call.trace().metered(u.input() + u.cachedInput() + u.cacheWrite() + u.output(), priced.cost.nanos(),
            chargeAmount.nanos());
      } catch (RuntimeException e) {
        log.error("request {}: settling after metering failed", call.requestId(), e);
      }
      var a = call.attribution();
      UsageRecord record = new UsageRecord(at, call.requestId(), tenant, p == null ? null : p.keyId(),
          a.feature(), a.user(), a.run(), a.tags(), call.operation().wireName(), call.model(),
          served == null ? null : served.model(), served == null ? null : served.deploymentId(),
          served == null ? null : served.provider(), served == null ? null : served.pool(),
          u.input(), u.cachedInput(), u.cacheWrite(), u.output(), u.reasoning(),
          priced.cost.nanos(), chargeAmount.nanos(), priced.known, trace.cacheStatus(), avoidedNanos, mechanism,
          latencyMicros, ttftMicros, status, errorCode, errorClass, attemptsJson(call.trace()));
      events.metered(record);
      Context context = Vertx.currentContext();
      return Future.fromCompletionStage(ledger.append(record), context).recover(err -> {
        log.error("request {}: the usage record could not be written: {}", call.requestId(), err.toString());
        return Future.succeededFuture();
      });
    });
  }

  /** Whether a cache (or another mechanism) answered without any upstream call. */
  private static boolean answeredWithoutUpstream(RequestTrace trace) {
    return switch (trace.cacheStatus()) {
      case "hit", "semantic", "joined" -> true;
      default -> false;
    };
  }

  /** The answer's usage at the current price, else what the original answer was metered at. */
  private static long avoided(RequestTrace trace, Priced answerPrice) {
    return answerPrice.known && !answerPrice.cost.isZero() ? answerPrice.cost.nanos() : Math.max(0, trace.originalCostNanos());
  }

  /** The cost of a request and whether it is known. */
  private record Priced(Money cost, boolean known) {}

  private Priced price(Call call, Served served, Optional<Usage> usage) {
    RequestTrace trace = call.trace();
    if (trace.hourlyPriced()) return new Priced(Money.ofNanos(trace.hourlyCostNanos()), true);
    if (served == null) return new Priced(Money.ZERO, true); // nothing was served: nothing was spent
    if (usage.isEmpty()) {
      warnOnce("usage:" + served.route(), "{}: the upstream reported no usage; the request is recorded as unpriced",
          served.route());
      return new Priced(Money.ZERO, false);
    }
    ModelConfig model = null;
    for (ModelConfig m : call.config().models()) {
      if (m.name().equals(served.entry())) {
        model = m;
        break;
      }
    }
    DeploymentConfig deployment = null;
    for (Deployment d : catalog.deployments(served.entry())) {
      if (d.id().equals(served.deploymentId())) deployment = d.config();
    }
    if (model == null || deployment == null) return new Priced(Money.ZERO, false);
    Cost cost = CostCalculator.cost(usage.get(), prices.price(model, deployment, served.upstreamModel()), false);
    return switch (cost) {
      case Cost.Priced p -> new Priced(p.total(), true);
      case Cost.ByTheHour h -> new Priced(Money.ZERO, true);
      case Cost.Unpriced u -> {
        warnOnce("price:" + u.upstreamModel(), "no price is known for model {} (served as {}); its requests are recorded "
            + "as unpriced: set price or cost_per_hour on the model or deployment", u.upstreamModel(), served.route());
        yield new Priced(Money.ZERO, false);
      }
    };
  }

  /** What a request avoided spending, and by what mechanism ({@code null} when nothing). */
  private record Avoided(long nanos, String mechanism) {}

  /**
   * A cascade's cheap answer avoided what its strong model would have cost for the same usage, less
   * what the request cost; never negative.
   */
  private Avoided avoided(Call call, Served served, Optional<Usage> usage, Priced answered, Priced total) {
    String instead = call.trace().answeredInsteadOf();
    if (instead == null || served == null || usage.isEmpty() || !answered.known) return new Avoided(0, null);
    return tokenCost(call, instead, usage.get())
        .map(alt -> new Avoided(Math.max(0, alt.nanos() - total.cost.nanos()), "cascade"))
        .orElse(new Avoided(0, null));
  }

  /** Adds the cost of answers paid for but replaced (a cascade's escalated cheap answer). */
  private Priced withDiscarded(Call call, Priced answered) {
    if (call.trace().hourlyPriced()) return answered; // the hourly share already covers every attempt
    Priced total = answered;
    for (RequestTrace.Discarded d : call.trace().discarded()) {
      Priced p = price(call, d.served(), d.usage() == null ? Optional.empty() : Usage.fromUsage(d.usage()));
      total = new Priced(total.cost.plus(p.cost), total.known && p.known);
    }
    return total;
  }

  /** What {@code usage} would have cost on a configured model's first deployment, when priced per token. */
  private Optional<Money> tokenCost(Call call, String modelName, Usage usage) {
    Optional<ModelConfig> model = call.config().model(modelName);
    List<Deployment> deployments = catalog.deployments(modelName);
    if (model.isEmpty() || deployments.isEmpty()) return Optional.empty();
    DeploymentConfig d = deployments.getFirst().config();
    Cost cost = CostCalculator.cost(usage, prices.price(model.get(), d, d.upstreamModelFor(modelName)), false);
    return cost instanceof Cost.Priced p ? Optional.of(p.total()) : Optional.empty();
  }

  private void warnOnce(String key, String message, Object... args) {
    if (warnedUnpriced.add(key)) log.warn(message, args);
  }

  private static String errorClass(GatewayError e) {
    return switch (e) {
      case GatewayError.InvalidRequest x -> "invalid_request";
      case GatewayError.Unauthenticated x -> "unauthenticated";
      case GatewayError.Forbidden x -> "forbidden";
      case GatewayError.ModelNotFound x -> "model_not_found";
      case GatewayError.NotFound x -> "not_found";
      case GatewayError.Conflict x -> "conflict";
      case GatewayError.UnknownEndpoint x -> "unknown_endpoint";
      case GatewayError.MethodNotAllowed x -> "method_not_allowed";
      case GatewayError.PayloadTooLarge x -> "payload_too_large";
      case GatewayError.UpstreamRejected x -> "upstream_rejected";
      case GatewayError.UpstreamFailed x -> switch (x.kind()) {
        case TIMEOUT -> "upstream_timeout";
        case UNAVAILABLE -> "upstream_unavailable";
        case BAD_GATEWAY -> "upstream_error";
      };
      case GatewayError.StreamInterrupted x -> "stream_interrupted";
      case GatewayError.Internal x -> "internal";
      case GatewayError.RateLimited x -> "rate_limited";
      case GatewayError.BudgetExceeded x -> "budget_exceeded";
      case GatewayError.RunRefused x -> x.code();
    };
  }

  private static String attemptsJson(RequestTrace trace) {
    List<RequestTrace.Attempt> attempts = trace.attempts();
    if (attempts.isEmpty()) return "[]";
    StringBuilder sb = new StringBuilder(96 * attempts.size());
    sb.append('[');
    for (int i = 0; i < attempts.size(); i++) {
      RequestTrace.Attempt t = attempts.get(i);
      if (i > 0) sb.append(',');
      sb.append("{\"model\":");
      JsonStrings.quote(sb, t.model());
      sb.append(",\"deployment\":");
      JsonStrings.quote(sb, t.deployment());
      sb.append(",\"status\":").append(t.status()).append(",\"latency_us\":").append(t.latencyMicros());
      if (t.error() != null) {
        sb.append(",\"error\":");
        JsonStrings.quote(sb, t.error());
      }
      sb.append('}');
    }
    return sb.append(']').toString();
  }

  /**
   * A stream that is metered as it passes: it notes the time to the first chunk and the usage
   * chunk, and delays the end of the stream (the last event the client sees) until the record is
   * committed.
   */
  private final class MeteredStream implements ChunkStream {
    private final ChunkStream source;
    private final Call call;
    private final Instant at;
    private final Served served;
    private long ttftMicros = -1;
    private Optional<Usage> usage = Optional.empty();
    private boolean recorded;

    MeteredStream(ChunkStream source, Call call, Instant at, Served served) {
      this.source = source;
      this.call = call;
      this.at = at;
      this.served = served;
    }

    @Override
    public void subscribe(Subscriber subscriber) {
      source.subscribe(new Subscriber() {
        @Override
        public void onChunk(Chunk chunk) {
          if (ttftMicros < 0) ttftMicros = (nanoClock.getAsLong() - call.startNanos()) / 1_000;
          if (chunk.hasUsage()) {
            Optional<Usage> u = Usage.fromResponse(chunk.json());
            if (u.isPresent()) usage = u;
          }
          subscriber.onChunk(chunk);
        }

        @Override
        public void onComplete() {
          if (recorded) return;
          recorded = true;
          write(call, at, served, usage, ttftMicros, null, 200).onComplete(v -> subscriber.onComplete());
        }

        @Override
        public void onError(GatewayError error) {
          if (recorded) return;
          recorded = true;
          write(call, at, served, usage, ttftMicros, error, 200).onComplete(v -> subscriber.onError(error));
        }
      });
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
      source.cancel();
      if (recorded) return;
      recorded = true;
      // 499: the client closed the request. Nobody waits for this record.
      write(call, at, served, usage, ttftMicros, null, 499);
    }
  }

}
