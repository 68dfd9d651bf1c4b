package dev.sluice.metrics;

import dev.sluice.events.GatewayEvents;
import dev.sluice.route.Catalog;
import dev.sluice.route.CircuitBreaker;
import dev.sluice.route.Deployment;
import dev.sluice.store.UsageRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The gateway's metrics in the Prometheus format, named after the OpenTelemetry GenAI semantic
 * conventions where one exists ({@code gen_ai.client.token.usage}, {@code gen_ai.client.operation.duration},
 * {@code gen_ai.server.time_to_first_token}, {@code gen_ai.server.time_per_output_token}), and
 * Sluice's own under {@code sluice_}. Every metric is derived from the usage record the meter writes,
 * so the counters add up to the ledger.
 *
 * <p>Labels: {@code gen_ai_operation_name}, {@code gen_ai_provider_name}, {@code gen_ai_request_model}
 * (the model asked), {@code pool}, {@code tenant}, {@code feature}; tenants, features and models are
 * bounded ({@link BoundedLabels}), so their number of series stays fixed whatever clients send.
 */
public final class PrometheusMetrics implements GatewayEvents {
  private static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576};
  private static final double[] DURATION_BUCKETS = {0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
  private static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0};
  private static final double[] TPOT_BUCKETS = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5};

  private static final double[] CALL_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
  private static final double[] RUN_DURATION_BUCKETS = {1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200};

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final BoundedLabels tenants = new BoundedLabels(200);
  private final BoundedLabels features = new BoundedLabels(100);
  private final BoundedLabels models = new BoundedLabels(200);
  private final BoundedLabels runReasons = new BoundedLabels(50);
  private final AtomicLong inFlight = new AtomicLong();
  private final ConcurrentHashMap<MeterKey, Object> meters = new ConcurrentHashMap<>();
  private final Set<String> breakerGauges = new HashSet<>();
  private final Supplier<Catalog> catalog;
  private final LongSupplier nanoClock;

  public PrometheusMetrics(Supplier<Catalog> catalog, LongSupplier nanoClock) {
    this.catalog = catalog;
    this.nanoClock = nanoClock;
    Gauge.builder("sluice.requests.in.flight", inFlight, AtomicLong::get)
        .description("Model calls being served now").register(registry);
  }

  /** The metrics, in the Prometheus text format. */
  public String scrape() {
    syncBreakerGauges();
    return registry.scrape();
  }

  @Override
  public void requestStarted() {
    inFlight.incrementAndGet();
  }

  @Override
  public void metered(UsageRecord r) {
    inFlight.decrementAndGet();
    String model = models.of(r.modelAsked());
    String tenant = tenants.of(r.tenant());
    String feature = features.of(r.feature());
    String provider = r.provider() == null ? BoundedLabels.NONE : r.provider();
    String pool = r.pool() == null ? BoundedLabels.NONE : r.pool();
    CallLabels labels = new CallLabels(r.operation(), provider, model, pool, tenant, feature);
    boolean ok = r.status() == 200 && r.errorCode() == null;

    String errorCode = r.errorCode() == null ? "none" : r.errorCode();
    this.<Counter>meter("sluice.requests", labels, r.status() + "|" + errorCode, tags ->
        Counter.builder("sluice.requests").description("Model calls, by outcome")
            .tags(tags).tag("status", Integer.toString(r.status())).tag("error_code", errorCode).register(registry))
        .increment();
    long input = r.inputTokens() + r.cachedInputTokens() + r.cacheWriteTokens();
    if (input > 0 || r.outputTokens() > 0) {
      this.<DistributionSummary>meter("gen_ai.client.token.usage", labels, "input", tags -> tokenUsage(tags, "input"))
          .record(input);
      this.<DistributionSummary>meter("gen_ai.client.token.usage", labels, "output", tags -> tokenUsage(tags, "output"))
          .record(r.outputTokens());
    }
    String errorType = ok ? "none" : r.errorClass() == null ? "error" : r.errorClass();
    this.<DistributionSummary>meter("gen_ai.client.operation.duration", labels, errorType, tags ->
        DistributionSummary.builder("gen_ai.client.operation.duration").baseUnit("seconds")
            .description("Duration of model calls through Sluice (OpenTelemetry GenAI)").serviceLevelObjectives(DURATION_BUCKETS)
            .tags(tags).tag("error_type", errorType).register(registry))
        .record(r.latencyMicros() / 1e6);
    if (r.ttftMicros() >= 0) {
      this.<DistributionSummary>meter("gen_ai.server.time_to_first_token", labels, "", tags ->
          DistributionSummary.builder("gen_ai.server.time_to_first_token").baseUnit("seconds")
              .description("Time to the first chunk of a stream (OpenTelemetry GenAI)").serviceLevelObjectives(TTFT_BUCKETS)
              .tags(tags).register(registry))
          .record(r.ttftMicros() / 1e6);
      if (r.outputTokens() > 1) {
        double perToken = (r.latencyMicros() - r.ttftMicros()) / 1e6 / (r.outputTokens() - 1);
        this.<DistributionSummary>meter("gen_ai.server.time_per_output_token", labels, "", tags ->
            DistributionSummary.builder("gen_ai.server.time_per_output_token").baseUnit("seconds")
                .description("Time per output token after the first (OpenTelemetry GenAI)").serviceLevelObjectives(TPOT_BUCKETS)
                .tags(tags).register(registry))
            .record(Math.max(0, perToken));
      }
    }
    if (r.costNanos() > 0) {
      this.<Counter>meter("sluice.cost.usd", labels, "", tags ->
          Counter.builder("sluice.cost.usd").description("What calls cost upstream, in US dollars").tags(tags).register(registry))
          .increment(r.costNanos() / 1e9);
    }
    if (r.chargeNanos() > 0) {
      this.<Counter>meter("sluice.charge.usd", labels, "", tags ->
          Counter.builder("sluice.charge.usd").description("What tenants are charged, in US dollars").tags(tags).register(registry))
          .increment(r.chargeNanos() / 1e9);
    }
    if (r.avoidedNanos() > 0 || r.mechanism() != null) {
      Counter.builder("sluice.avoided.usd").description("Cost avoided, by mechanism, in US dollars")
          .tags("mechanism", r.mechanism() == null ? BoundedLabels.NONE : r.mechanism(), "tenant", tenant)
          .register(registry).increment(r.avoidedNanos() / 1e9);
    }
    if (r.cacheStatus() != null && !r.cacheStatus().equals("off") && !r.cacheStatus().equals("miss")) {
      Counter.builder("sluice.cache.hits").description("Answers served without calling the upstream, by kind")
          .tags("kind", r.cacheStatus(), "gen_ai_request_model", model, "tenant", tenant).register(registry).increment();
    }
    if (!r.priced()) {
      Counter.builder("sluice.unpriced.requests").description("Calls whose cost is unknown (no price or no usage)")
          .tags("gen_ai_request_model", model, "pool", pool).register(registry).increment();
    }
    String rejection = switch (r.errorCode() == null ? "" : r.errorCode()) {
      case "budget_exceeded" -> "budget";
      case "rate_limit_exceeded" -> "rate_limit";
      case "run_limit_exceeded", "run_loop_detected", "run_stopped" -> "run_guard";
      default -> null;
    };
    if (rejection != null) {
      Counter.builder("sluice.rejections").description("Calls refused by admission, by reason")
          .tags("reason", rejection, "tenant", tenant).register(registry).increment();
    }
  }

  /** The labels every per-call metric carries, already bounded. */
  private record CallLabels(String operation, String provider, String model, String pool, String tenant, String feature) {
    Tags tags() {
      return Tags.of("gen_ai_operation_name", operation, "gen_ai_provider_name", provider, "gen_ai_request_model", model,
          "pool", pool, "tenant", tenant, "feature", feature);
    }
  }

  /** One registered meter: a metric, its call labels and what else tells its series apart. */
  private record MeterKey(String name, CallLabels labels, String variant) {}

  /**
   * The meter of a series, registered on its first use. Every call records several metrics, and
   * building and registering a meter (sorting its tags, looking it up in the registry) costs far
   * more than recording a value, so each series is registered once and found again by its labels.
   * The labels are bounded, so this map is too.
   */
  @SuppressWarnings("unchecked")
  private <M> M meter(String name, CallLabels labels, String variant, Function<Tags, M> register) {
    MeterKey key = new MeterKey(name, labels, variant);
    Object m = meters.get(key);
    if (m == null) m = meters.computeIfAbsent(key, k -> register.apply(labels.tags()));
    return (M) m;
  }

  private DistributionSummary tokenUsage(Tags tags, String type) {
    return DistributionSummary.builder("gen_ai.client.token.usage")
        .description("Tokens per model call (OpenTelemetry GenAI)").serviceLevelObjectives(TOKEN_BUCKETS)
        .tags(tags).tag("gen_ai_token_type", type).register(registry);
  }

  /**
   * One point per agent run that ended (went idle), after the GenAI agent conventions:
   * {@code gen_ai.invoke_agent.inference_calls}, {@code gen_ai.invoke_agent.tool_calls} and
   * {@code gen_ai.invoke_agent.duration}.
   */
  @Override
  public void runEnded(String tenant, long inferenceCalls, long toolCalls, double durationSeconds) {
    Tags tags = Tags.of("gen_ai_operation_name", "invoke_agent", "tenant", tenants.of(tenant));
    DistributionSummary.builder("gen_ai.invoke_agent.inference_calls")
        .description("Model calls per agent run").serviceLevelObjectives(CALL_BUCKETS)
        .tags(tags).register(registry).record(inferenceCalls);
    DistributionSummary.builder("gen_ai.invoke_agent.tool_calls")
        .description("Tool calls asked for per agent run").serviceLevelObjectives(CALL_BUCKETS)
        .tags(tags).register(registry).record(toolCalls);
    DistributionSummary.builder("gen_ai.invoke_agent.duration").baseUnit("seconds")
        .description("Wall-clock time of an agent run, first call to last").serviceLevelObjectives(RUN_DURATION_BUCKETS)
        .tags(tags).register(registry).record(durationSeconds);
  }

  @Override
  public void runVerdict(String tenant, String verdict, String reason) {
    Counter.builder("sluice.run.verdicts").description("Verdicts of the run guard on calls of agent runs: warn, slow "
            + "or stop, by loop pattern or limit")
        .tags("tenant", tenants.of(tenant), "verdict", verdict, "reason", runReasons.of(reason))
        .register(registry).increment();
  }

  @Override
  public void attemptFailed(String model, String deployment, String pool, String failureClass) {
    Counter.builder("sluice.upstream.errors").description("Failed upstream attempts, by class")
        .tags("model", models.of(model), "deployment", deployment, "pool", pool, "class", failureClass)
        .register(registry).increment();
  }

  /** One gauge per deployment: 0 closed, 1 half-open, 2 open. */
  private synchronized void syncBreakerGauges() {
    Catalog c = catalog.get();
    if (c == null) return;
    for (Deployment d : c.all()) {
      String key = d.model() + "\u0000" + d.id();
      if (breakerGauges.add(key)) {
        String model = d.model();
        String id = d.id();
        Gauge.builder("sluice.circuit.breaker.state", () -> breakerState(model, id))
            .description("Circuit breaker of each deployment: 0 closed, 1 half-open, 2 open")
            .tags("model", model, "deployment", id, "pool", d.config().pool()).register(registry);
        if (d.state().hourly() != null) {
          var hourly = d.state().hourly();
          Gauge.builder("sluice.idle.cost.usd", () -> hourly.idleCost().toUsd().doubleValue())
              .description("What a deployment paid by the hour has cost while idle, since Sluice started")
              .tags("model", model, "deployment", id, "pool", d.config().pool()).register(registry);
        }
      }
    }
  }

  private double breakerState(String model, String id) {
    Catalog c = catalog.get();
    if (c == null) return Double.NaN;
    for (Deployment d : c.deployments(model)) {
      if (d.id().equals(id)) {
        CircuitBreaker.State s = d.state().breaker().state(nanoClock.getAsLong());
        return switch (s) {
          case CLOSED -> 0;
          case HALF_OPEN -> 1;
          case OPEN -> 2;
        };
      }
    }
    return Double.NaN;
  }
}
