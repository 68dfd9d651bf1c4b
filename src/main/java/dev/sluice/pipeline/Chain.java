package dev.sluice.pipeline;

import io.vertx.core.Future;

/** The rest of the pipeline after the current stage. */
@FunctionalInterface
public interface Chain {
  /**
   * Runs the remaining stages. A stage calls this at most once per request. It does not throw a
   * {@link dev.sluice.error.GatewayException}: a refusal of a later stage, thrown or not, arrives as
   * a failed future.
   */
  Future<Reply> proceed(Call call);
}
