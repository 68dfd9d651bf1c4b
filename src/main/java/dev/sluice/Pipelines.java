package dev.sluice;

import dev.sluice.admit.AdmitStage;
import dev.sluice.auth.IdentifyStage;
import dev.sluice.cascade.CascadeStage;
import dev.sluice.events.GatewayEvents;
import dev.sluice.auth.KeyDirectory;
import dev.sluice.meter.MeterStage;
import dev.sluice.pipeline.Pipeline;
import dev.sluice.provider.local.Embedder;
import dev.sluice.route.AttemptStage;
import dev.sluice.route.Catalog;
import dev.sluice.route.DeploymentGuardStage;
import dev.sluice.route.ProviderCallStage;
import dev.sluice.route.RouteStage;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The request path, written down in one place. Reading the two lists below tells the whole story
 * of a model call through Sluice:
 *
 * <pre>
 * per request (once)                        per attempt (each retry and fallback)
 *   identify   API key -> tenant, attribution
 *   meter      one usage record per request, refusals included (wraps all below)
 *   admit      the key's models, rate limits, budget reservation of the worst case
 *   cascade    a cascade model: cheap or strong model (router score, or the cheap answer's confidence)
 *   route      plan + retry/fallback loop --->  guard     circuit breaker, back-off, max concurrency,
 *                                                         hourly-cost share
 *                                                provider  codec + HTTP call (or in-process model)
 * </pre>
 *
 * Stages to come slot in between admit and route: the run guard (in admit), then the cache.
 */
final class Pipelines {
  private Pipelines() {}

  /** The per-attempt stages, run inside the route stage's loop. */
  static List<AttemptStage> attempt(LongSupplier nanoClock, GatewayEvents events) {
    return List.of(
        new DeploymentGuardStage(nanoClock, events),
        new ProviderCallStage());
  }

  /** The per-request stages of {@code POST /v1/chat/completions} and {@code POST /v1/embeddings}. */
  static Pipeline modelCall(Catalog catalog, KeyDirectory keys, MeterStage meter, AdmitStage admit, Vertx vertx,
      LongSupplier nanoClock, GatewayEvents events, Supplier<Embedder> embedder) {
    return new Pipeline(List.of(
        new IdentifyStage(keys),
        meter,
        admit,
        // A cascade model picks its cheap or strong model, then routes (twice when it escalates).
        new CascadeStage(new RouteStage(catalog, attempt(nanoClock, events), vertx, nanoClock), embedder, vertx)));
  }
}
