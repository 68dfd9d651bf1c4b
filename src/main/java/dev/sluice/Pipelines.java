package dev.sluice;

import dev.sluice.admit.AdmitStage;
import dev.sluice.auth.IdentifyStage;
import dev.sluice.cache.CacheStage;
import dev.sluice.cascade.CascadeStage;
import dev.sluice.events.GatewayEvents;
import dev.sluice.auth.KeyDirectory;
import dev.sluice.meter.MeterStage;
import dev.sluice.pipeline.Pipeline;
import dev.sluice.pipeline.Stage;
import dev.sluice.runs.RunGuardStage;
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
 *   content    the prompt and answer, redacted, for tenants that opted in to content logging
 *   admit      the key's models, rate limits, budget reservation of the worst case
 *   run guard  agent runs: stopped runs, run limits (reserving the worst case), loop verdicts
 *   cache      exact hit -> answer now; identical call in flight -> join it; else call and store
 *   cascade    a cascade model: cheap or strong model (router score, or the cheap answer's confidence)
 *   route      plan + retry/fallback loop --->  guard     circuit breaker, back-off, max concurrency,
 *                                                         hourly-cost share
 *                                                provider  codec + HTTP call (or in-process model)
 * </pre>
 *
 * The cache sits after admit, so refused requests never read it and a hit still counts against
 * rate limits and settles its (zero) cost; and before route, so a hit or a joined call never reaches
 * an upstream.
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
  static Pipeline modelCall(Catalog catalog, KeyDirectory keys, MeterStage meter, Stage contentLog, AdmitStage admit,
      RunGuardStage runGuard, CacheStage cache, Vertx vertx, LongSupplier nanoClock, GatewayEvents events,
      Supplier<Embedder> embedder) {
    return new Pipeline(List.of(
        new IdentifyStage(keys),
        meter,
        contentLog,
        admit,
        runGuard,
        cache,
        // A cascade model picks its cheap or strong model, then routes (twice when it escalates).
        new CascadeStage(new RouteStage(catalog, attempt(nanoClock, events), vertx, nanoClock), embedder, vertx)));
  }
}
