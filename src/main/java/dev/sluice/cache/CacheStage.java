package dev.sluice.cache;

import dev.sluice.api.JsonBody;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.GatewayConfig.CacheConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import dev.sluice.cache.semantic.SemanticRequest;
import dev.sluice.pipeline.Call;
import dev.sluice.pipeline.Chain;
import dev.sluice.pipeline.Operation;
import dev.sluice.pipeline.Principal;
import dev.sluice.pipeline.Reply;
import dev.sluice.pipeline.Stage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The exact response cache in the request path, between admission and routing. For a request the
 * {@link CachePolicy} lets in: a stored answer short-circuits the rest (a hit); else, if an identical
 * request is in flight, this one joins it and shares its answer (joined); else it calls upstream
 * (miss) and stores the answer: a whole answer at once, a stream only once it completed. Every reply
 * carries {@code X-Sluice-Cache: miss | hit | joined | off}, and the request's trace tells the meter
 * what was avoided.
 *
 * <p>A follower whose leader failed with a transient error (timeout, 5xx, 429, a broken connection)
 * starts again: one of the followers becomes the new leader and the others join it. A non-transient
 * error (the upstream refused the request itself) is passed to every follower. A follower waits for
 * the leader's answer at most {@code cache_join_timeout}, then calls upstream itself.
 *
 * <p>Never blocks: lookups and joins are non-blocking map operations, deliveries to a follower run on
 * its own event loop.
 */
public final class CacheStage implements Stage {
  /** How many times a follower starts again after a failed leader before it calls upstream alone. */
  private static final int MAX_ROUNDS = 3;

  private final ResponseCache cache;
  private final Vertx vertx;
  private final Duration joinTimeout;
  private final Set<String> sharingTenants = new HashSet<>();

  public CacheStage(ResponseCache cache, GatewayConfig config, Vertx vertx) {
    this.cache = cache;
    this.vertx = vertx;
    this.joinTimeout = config.cache().joinTimeout();
    for (GatewayConfig.TenantConfig t : config.tenants()) {
      if (t.cacheScope() == GatewayConfig.CacheScope.TENANT) sharingTenants.add(t.name());
    }
    cache.memoryBytes(config.cache().memoryBytes());
  }

  @Override
  public Future<Reply> handle(Call call, Chain chain) {
    CacheConfig settings = call.config().model(call.model()).map(ModelConfig::cache).orElse(CacheConfig.NONE);
    CachePolicy.Decision decision =
        CachePolicy.decide(call.headers().get(CachePolicy.HEADER), settings, call.operation(), call.body());
    if (decision == CachePolicy.Decision.OFF) {
      call.trace().cacheStatus("off");
      return chain.proceed(call).map(r -> r.withHeader(CachePolicy.HEADER, "off"));
    }
    Principal p = call.principal();
    String tenant = p == null ? Principal.DEFAULT_TENANT : p.tenant();
    String keyId = p == null ? "anonymous" : p.keyId();
    String scope = CacheKey.scope(tenant, keyId, sharingTenants.contains(tenant));
    CacheKey key = CacheKey.of(tenant, scope, call.operation(), call.model(), call.stream(), call.body());
    if (decision == CachePolicy.Decision.REFRESH) {
      return lead(call, chain, key, settings.ttl(), new Flight(() -> { }));
    }
    StoredAnswer stored = cache.get(key);
    if (stored != null) return Future.succeededFuture(hit(call, stored));
    Optional<SemanticAsk> ask = semanticAsk(call, settings, tenant, scope);
    if (ask.isEmpty()) return leadOrJoin(call, chain, key, settings.ttl(), 1);
    return ask.get().find().transform(found -> found.succeeded() && found.result().isPresent()
        ? Future.succeededFuture(semanticHit(call, found.result().get().value()))
        : leadOrJoin(call, chain, key, settings.ttl(), 1));
  }

  /** A question the semantic side may answer: the model opted in, and the request has one. */
  private record SemanticAsk(SemanticMatcher<StoredAnswer> matcher, SemanticMatcher.Context context,
      String question, double threshold) {
    Future<Optional<SemanticMatcher.Match<StoredAnswer>>> find() {
      return matcher.find(context, question, threshold);
    }

    void remember(StoredAnswer answer) {
      matcher.add(context, question, answer);
    }
  }

  private Optional<SemanticAsk> semanticAsk(Call call, CacheConfig settings, String tenant, String scope) {
    if (settings.semantic().isEmpty() || cache.semantic().isEmpty() || call.operation() != Operation.CHAT_COMPLETIONS) {
      return Optional.empty();
    }
    return SemanticRequest.of(call.body()).map(r -> {
      CacheKey rest = CacheKey.of(tenant, scope, call.operation(), call.model(), call.stream(), r.rest());
      String contextHash = Long.toHexString(rest.h0()) + Long.toHexString(rest.h1()) + Long.toHexString(rest.h2())
          + Long.toHexString(rest.h3());
      return new SemanticAsk(cache.semantic().get(), new SemanticMatcher.Context(scope, call.model(), contextHash),
          r.question(), settings.semantic().get().threshold());
    });
  }

  /** Stores a fresh answer for the semantic side too, when the model opted in. */
  private void rememberSemantically(Call call, StoredAnswer answer) {
    CacheConfig settings = call.config().model(call.model()).map(ModelConfig::cache).orElse(CacheConfig.NONE);
    Principal p = call.principal();
    String tenant = p == null ? Principal.DEFAULT_TENANT : p.tenant();
    String scope = CacheKey.scope(tenant, p == null ? "anonymous" : p.keyId(), sharingTenants.contains(tenant));
    semanticAsk(call, settings, tenant, scope).ifPresent(ask -> ask.remember(answer));
  }

  private Reply semanticHit(Call call, StoredAnswer stored) {
    call.trace().answeredWithoutUpstream("semantic", "semantic", stored.costNanos());
    return stored.replay().withHeader(CachePolicy.HEADER, "semantic");
  }

  private Reply hit(Call call, StoredAnswer stored) {
    call.trace().answeredWithoutUpstream("hit", "exact", stored.costNanos());
    return stored.replay().withHeader(CachePolicy.HEADER, "hit");
  }

  /** Becomes the leader of a new flight for {@code key}, or joins the one in flight. */
  private Future<Reply> leadOrJoin(Call call, Chain chain, CacheKey key, Duration ttl, int round) {
    Flight[] self = new Flight[1];
    Flight mine = new Flight(() -> cache.flights().remove(key, self[0]));
    self[0] = mine;
    Flight existing = cache.flights().putIfAbsent(key, mine);
    if (existing != null) return follow(call, chain, key, ttl, existing, round);
    // It may have been stored between the lookup and now (its flight just ended): serve it.
    StoredAnswer stored = cache.get(key);
    if (stored != null) {
      // Anyone who joined meanwhile starts again, and finds it stored.
      mine.failed(new GatewayError.StreamInterrupted("the answer was stored meanwhile"));
      return Future.succeededFuture(hit(call, stored));
    }
    return lead(call, chain, key, ttl, mine);
  }

  /** Calls upstream for the flight, records the answer for its followers and stores it. */
  private Future<Reply> lead(Call call, Chain chain, CacheKey key, Duration ttl, Flight flight) {
    call.trace().cacheStatus("miss");
    call.trace().onMetered((tokens, costNanos, chargeNanos) -> flight.costNanos(costNanos));
    Future<Reply> upstream = chain.proceed(call);
    return upstream.transform(ar -> {
      if (ar.failed()) {
        flight.failed(GatewayException.errorOf(ar.cause()));
        return Future.failedFuture(ar.cause());
      }
      Reply reply = ar.result();
      return Future.succeededFuture(switch (reply) {
        case Reply.Complete c -> {
          byte[] body = c.body().bytes().getBytes();
          StoredAnswer.Whole answer = new StoredAnswer.Whole(body, c.served(), -1, ttl);
          cache.put(key, answer);
          call.trace().onMetered((tokens, costNanos, chargeNanos) -> {
            StoredAnswer.Whole priced = new StoredAnswer.Whole(body, c.served(), costNanos, ttl);
            cache.replace(key, answer, priced);
            rememberSemantically(call, priced);
          });
          flight.answered(body, c.served());
          yield c.withHeader(CachePolicy.HEADER, "miss");
        }
        case Reply.Streaming s -> {
          FlightStream own = flight.streaming(s.served(), s.chunks(), (error, chunks) -> {
            if (error == null) {
              StoredAnswer.Streamed answer = new StoredAnswer.Streamed(chunks, s.served(), flight.costNanos(), ttl);
              cache.put(key, answer);
              rememberSemantically(call, answer);
            }
          });
          yield s.withChunks(own).withHeader(CachePolicy.HEADER, "miss");
        }
      });
    });
  }

  /** Waits for the flight's outcome (at most the join timeout) and answers from it. */
  private Future<Reply> follow(Call call, Chain chain, CacheKey key, Duration ttl, Flight flight, int round) {
    Context context = Vertx.currentContext();
    Flight.Waiter waiter = flight.join(context);
    Promise<Reply> result = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, joinTimeout.toMillis()), id -> {
      if (flight.leave(waiter)) {
        // The leader is too slow: this request goes upstream on its own (and stores what it gets).
        lead(call, chain, key, ttl, new Flight(() -> { })).onComplete(result);
      }
    });
    waiter.outcome().onComplete(ar -> {
      vertx.cancelTimer(timer);
      Flight.Outcome outcome = ar.result();
      switch (outcome) {
        case Flight.Outcome.Whole w -> {
          call.trace().answeredWithoutUpstream("joined", "joined", flight.costNanos());
          result.complete(new Reply.Complete(JsonBody.ofBytes(Buffer.buffer(w.body())), w.served())
              .withHeader(CachePolicy.HEADER, "joined"));
        }
        case Flight.Outcome.Streaming s -> {
          call.trace().answeredWithoutUpstream("joined", "joined", flight.costNanos());
          result.complete(new Reply.Streaming(flight.reader(context), s.served())
              .withHeader(CachePolicy.HEADER, "joined"));
        }
        case Flight.Outcome.Failed f -> {
          if (retryable(f.error()) && round < MAX_ROUNDS) {
            leadOrJoin(call, chain, key, ttl, round + 1).onComplete(result);
          } else if (retryable(f.error())) {
            lead(call, chain, key, ttl, new Flight(() -> { })).onComplete(result);
          } else {
            call.trace().cacheStatus("joined");
            result.fail(new GatewayException(f.error()));
          }
        }
      }
    });
    return result.future();
  }

  /** Whether another try could succeed where the leader failed: transient upstream failures. */
  static boolean retryable(GatewayError error) {
    return switch (error) {
      case GatewayError.UpstreamFailed f -> true;
      case GatewayError.StreamInterrupted s -> true;
      case GatewayError.UpstreamRejected r -> r.status() == 408 || r.status() == 409 || r.status() == 429
          || r.status() >= 500;
      default -> false;
    };
  }
}
