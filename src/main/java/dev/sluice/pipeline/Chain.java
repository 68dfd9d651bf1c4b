package dev.sluice.pipeline;

import io.vertx.core.Future;

/** The rest of the pipeline after the current stage. */
@FunctionalInterface
public interface Chain {
  /** Runs the remaining stages. A stage calls this at most once per request. */
  Future<Reply> proceed(Call call);
}
