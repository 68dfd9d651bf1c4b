package dev.sluice;

import dev.sluice.auth.IdentifyStage;
import dev.sluice.auth.KeyDirectory;
import dev.sluice.pipeline.Pipeline;
import dev.sluice.route.AttemptStage;
import dev.sluice.route.Catalog;
import dev.sluice.route.DeploymentGuardStage;
import dev.sluice.route.ProviderCallStage;
import dev.sluice.route.RouteStage;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The request path, written down in one place. Reading the two lists below tells the whole story
 * of a model call through Sluice:
 *
 * <pre>
 * per request (once)                        per attempt (each retry and fallback)
 *   identify   API key -> tenant               guard     circuit breaker, back-off, max concurrency
 *   route      plan + retry/fallback loop --->  provider  codec + HTTP call (or in-process model)
 * </pre>
 *
 * Stages to come slot in between identify and route, in this order: meter (wraps everything after
 * it, refusals included), admit (rate limits, budget reservation, run guard), cache.
 */
final class Pipelines {
  private Pipelines() {}

  /** The per-attempt stages, run inside the route stage's loop. */
  static List<AttemptStage> attempt(LongSupplier nanoClock) {
    return List.of(
        new DeploymentGuardStage(nanoClock),
        new ProviderCallStage());
  }

  /** The per-request stages of {@code POST /v1/chat/completions} and {@code POST /v1/embeddings}. */
  static Pipeline modelCall(Catalog catalog, KeyDirectory keys, Vertx vertx, LongSupplier nanoClock) {
    return new Pipeline(List.of(
        new IdentifyStage(keys),
        new RouteStage(catalog, attempt(nanoClock), vertx, nanoClock)));
  }
}
