package dev.sluice.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.store.Runs;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each tenant's run policy: the config's defaults with the keys the tenant's stored policy sets.
 * A tenant's stored keys are read once per process (on a worker thread) and kept; setting them
 * through this class updates both the store and what this process uses.
 */
public final class RunPolicies {
  private static final Logger log = LoggerFactory.getLogger(RunPolicies.class);

  private final Runs store;
  private final Vertx vertx;
  private final ConcurrentHashMap<String, Future<Optional<ObjectNode>>> overrides = new ConcurrentHashMap<>();

  public RunPolicies(Runs store, Vertx vertx) {
    this.store = store;
    this.vertx = vertx;
  }

  /** A tenant's policy as last resolved, and the defaults and stored keys it was resolved from. */
  private record Resolved(RunPolicy defaults, Future<Optional<ObjectNode>> keys, RunPolicy policy) {}

  private final ConcurrentHashMap<String, Resolved> resolved = new ConcurrentHashMap<>();

  /**
   * The tenant's policy over {@code defaults}: at once (a completed future) once the tenant's keys
   * are loaded, which is every call but the tenant's first in this process.
   */
  public Future<RunPolicy> policy(String tenant, RunPolicy defaults) {
    Future<Optional<ObjectNode>> f = overrides.get(tenant);
    if (f == null) {
      f = overrides.computeIfAbsent(tenant, t -> vertx.<Optional<ObjectNode>>executeBlocking(() -> read(t), false)
          .onFailure(err -> overrides.remove(t)));
    }
    if (!f.succeeded()) return f.map(o -> o.map(json -> over(tenant, defaults, json)).orElse(defaults));
    Resolved r = resolved.get(tenant);
    if (r == null || r.defaults() != defaults || r.keys() != f) {
      r = new Resolved(defaults, f, f.result().map(json -> over(tenant, defaults, json)).orElse(defaults));
      resolved.put(tenant, r);
    }
    return Future.succeededFuture(r.policy());
  }

  /** The keys the tenant sets, or an empty object. Blocking. */
  public ObjectNode stored(String tenant) {
    return read(tenant).orElseGet(Json.MAPPER::createObjectNode);
  }

  /**
   * Replaces the tenant's keys (blocking). {@code keys} must have been checked with
   * {@link RunPolicy#over}.
   */
  public void put(String tenant, ObjectNode keys, Instant at) {
    store.putPolicy(tenant, keys.toString(), at);
    overrides.put(tenant, Future.succeededFuture(Optional.of(keys.deepCopy())));
  }

  private Optional<ObjectNode> read(String tenant) {
    return store.policy(tenant).map(text -> {
      try {
        JsonNode n = Json.MAPPER.readTree(text);
        return n instanceof ObjectNode o ? o : null;
      } catch (java.io.IOException e) {
        log.warn("the stored run policy of tenant {} is not JSON; the defaults apply: {}", tenant, e.getMessage());
        return null;
      }
    });
  }

  private static RunPolicy over(String tenant, RunPolicy defaults, ObjectNode keys) {
    try {
      return defaults.over(keys);
    } catch (IllegalArgumentException e) {
      log.warn("the stored run policy of tenant {} is invalid; the defaults apply: {}", tenant, e.getMessage());
      return defaults;
    }
  }
}
