package dev.sluice.route;

import dev.sluice.pipeline.Call;
import dev.sluice.pipeline.Operation;
import dev.sluice.pipeline.Reply;
import dev.sluice.pipeline.Served;
import dev.sluice.provider.EmbeddingsProvider;
import dev.sluice.provider.Provider;
import dev.sluice.provider.ProviderRequest;
import dev.sluice.provider.UpstreamException;
import dev.sluice.provider.UpstreamFailure;
import io.vertx.core.Future;
import java.time.Duration;

/** The last attempt stage: calls the deployment's provider for the operation at hand. */
public final class ProviderCallStage implements AttemptStage {

  @Override
  public Future<Reply> handle(Attempt attempt, Next next) {
    Call call = attempt.call();
    Target t = attempt.target();
    Deployment d = t.deployment();
    Served served = new Served(t.route(), d.id(), d.config().provider().wireName(), d.config().pool(), d.model(),
        t.upstreamModel());
    ProviderRequest request = new ProviderRequest(call, t.upstreamModel(), attempt.deadlineNanos());
    if (call.operation() == Operation.EMBEDDINGS) {
      if (!(d.provider() instanceof EmbeddingsProvider p)) {
        return unsupported(d, "embeddings");
      }
      return p.embeddings(request).map(body -> new Reply.Complete(body, served));
    }
    if (!(d.provider() instanceof Provider p)) {
      return unsupported(d, "chat completions");
    }
    if (call.stream()) {
      return p.streamChat(request).map(chunks -> new Reply.Streaming(chunks, served));
    }
    return p.chat(request).map(body -> new Reply.Complete(body, served));
  }

  private static Future<Reply> unsupported(Deployment d, String what) {
    return Future.failedFuture(new UpstreamException(new UpstreamFailure.Skipped(
        "provider " + d.config().provider().wireName() + " does not serve " + what, Duration.ZERO)));
  }
}
