package dev.sluice.pipeline;

import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import io.vertx.core.Future;
import java.util.List;

/**
 * An ordered list of {@link Stage}s, run for one request. The last stage must answer without
 * proceeding; {@link Pipelines} writes the lists down.
 */
public final class Pipeline {
  private final List<Stage> stages;

  public Pipeline(List<Stage> stages) {
    if (stages.isEmpty()) throw new IllegalArgumentException("a pipeline needs at least one stage");
    this.stages = List.copyOf(stages);
  }

  public List<Stage> stages() {
    return stages;
  }

  public Future<Reply> execute(Call call) {
    return new Link(0).proceed(call);
  }

  /** The chain handed to the stage before {@code index}; it may be followed once. */
  private final class Link implements Chain {
    private final int index;
    private boolean called;

    Link(int index) {
      this.index = index;
    }

    @Override
    public Future<Reply> proceed(Call call) {
      if (called) {
        throw new IllegalStateException(stages.get(index - 1).getClass().getSimpleName() + " called proceed twice");
      }
      called = true;
      if (index >= stages.size()) {
        return Future.failedFuture(new GatewayException(
            new GatewayError.Internal("the last stage proceeded past the end of the pipeline")));
      }
      try {
        return stages.get(index).handle(call, new Link(index + 1));
      } catch (GatewayException e) {
        return Future.failedFuture(e);
      }
    }
  }
}
