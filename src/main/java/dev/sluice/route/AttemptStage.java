package dev.sluice.route;

import dev.sluice.pipeline.Reply;
import io.vertx.core.Future;

/**
 * One step of an upstream attempt, run once per try (retries and fallbacks included), inside the
 * route stage's loop. The last one calls the provider. A step fails the future with an
 * {@link dev.sluice.provider.UpstreamException} to report how the attempt failed.
 */
@FunctionalInterface
public interface AttemptStage {
  Future<Reply> handle(Attempt attempt, Next next);

  /** The rest of the attempt's steps. */
  @FunctionalInterface
  interface Next {
    Future<Reply> proceed(Attempt attempt);
  }

  /** Runs {@code stages} in order for one attempt. */
  static Future<Reply> run(java.util.List<AttemptStage> stages, Attempt attempt) {
    return runFrom(stages, 0, attempt);
  }

  private static Future<Reply> runFrom(java.util.List<AttemptStage> stages, int index, Attempt attempt) {
    if (index >= stages.size()) {
      throw new IllegalStateException("the last attempt stage proceeded past the provider call");
    }
    return stages.get(index).handle(attempt, next -> runFrom(stages, index + 1, next));
  }
}
