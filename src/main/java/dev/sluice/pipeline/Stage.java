package dev.sluice.pipeline;

import io.vertx.core.Future;

/**
 * One step of handling a client request, run once per request. A stage either answers by itself
 * (a refusal, a cache hit) or calls {@code chain.proceed(call)} exactly once and may wrap what comes
 * back. It fails by failing the future with a {@link dev.sluice.error.GatewayException}.
 *
 * <p>Stages run on the request's event loop and must not block it: blocking work (a database, an
 * embedding model) runs elsewhere and completes a future.
 */
@FunctionalInterface
public interface Stage {
  Future<Reply> handle(Call call, Chain chain);
}
