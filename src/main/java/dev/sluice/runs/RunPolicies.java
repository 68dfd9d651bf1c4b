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
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run policy of each call: the config's defaults, with the keys its tenant's stored policy
 * sets, tightened by the keys its API key's stored policy sets (a key's policy can only tighten
 * its tenant's: {@link RunPolicy#tightenedBy}). Each tenant's and each key's stored keys are read
 * once per process (on a worker thread) and kept; setting them through this class updates both the
 * store and what this process uses.
 */
public final class RunPolicies {
  private static final Logger log = LoggerFactory.getLogger(RunPolicies.class);
  private static final Future<Optional<ObjectNode>> NONE = Future.succeededFuture(Optional.empty());

  private final Runs store;
  private final Vertx vertx;
  private final ConcurrentHashMap<String, Future<Optional<ObjectNode>>> tenantKeys = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Future<Optional<ObjectNode>>> keyKeys = new ConcurrentHashMap<>();

  public RunPolicies(Runs store, Vertx vertx) {
    this.store = store;
    this.vertx = vertx;
  }

  /** A caller's policy as last resolved, and what it was resolved from. */
  private record Resolved(String tenant, RunPolicy defaults, Future<Optional<ObjectNode>> tenantKeys,
      Future<Optional<ObjectNode>> keyKeys, RunPolicy policy) {}

  /** By key id (a key belongs to one tenant), or by tenant for calls without a key. */
  private final ConcurrentHashMap<String, Resolved> resolved = new ConcurrentHashMap<>();

  /**
   * The policy of a call made with {@code keyId} (null when there is none) for {@code tenant}, over
   * {@code defaults}: at once (a completed future) once the tenant's and the key's stored keys are
   * loaded, which is every call but the first of each in this process.
   */
  public Future<RunPolicy> policy(String tenant, String keyId, RunPolicy defaults) {
    Future<Optional<ObjectNode>> t = load(tenantKeys, tenant, store::policy);
    Future<Optional<ObjectNode>> k = keyId == null ? NONE : load(keyKeys, keyId, store::keyPolicy);
    if (!t.succeeded() || !k.succeeded()) {
      return Future.all(t, k).map(v -> resolve(tenant, keyId, defaults, t.result(), k.result()));
    }
    String by = keyId == null ? tenant : keyId;
    Resolved r = resolved.get(by);
    if (r == null || r.defaults() != defaults || r.tenantKeys() != t || r.keyKeys() != k || !r.tenant().equals(tenant)) {
      r = new Resolved(tenant, defaults, t, k, resolve(tenant, keyId, defaults, t.result(), k.result()));
      resolved.put(by, r);
    }
    return Future.succeededFuture(r.policy());
  }

  private Future<Optional<ObjectNode>> load(ConcurrentHashMap<String, Future<Optional<ObjectNode>>> cache, String name,
      Function<String, Optional<String>> read) {
    Future<Optional<ObjectNode>> f = cache.get(name);
    if (f != null) return f;
    return cache.computeIfAbsent(name, n -> vertx.<Optional<ObjectNode>>executeBlocking(() -> parse(n, read.apply(n)),
        false).onFailure(err -> cache.remove(n)));
  }

  /** The tenant's policy over {@code defaults}, tightened by the key's (either may set no keys). */
  private static RunPolicy resolve(String tenant, String keyId, RunPolicy defaults, Optional<ObjectNode> tenantSets,
      Optional<ObjectNode> keySets) {
    RunPolicy p = defaults;
    if (tenantSets.isPresent()) {
      try {
        p = defaults.over(tenantSets.get());
      } catch (IllegalArgumentException e) {
        log.warn("the stored run policy of tenant {} is invalid; the defaults apply: {}", tenant, e.getMessage());
      }
    }
    if (keySets.isPresent()) {
      try {
        p = p.tightenedBy(keySets.get());
      } catch (IllegalArgumentException e) {
        log.warn("the stored run policy of key {} is invalid; its tenant's applies: {}", keyId, e.getMessage());
      }
    }
    return p;
  }

  /** The keys the tenant sets, or an empty object. Blocking. */
  public ObjectNode stored(String tenant) {
    return parse(tenant, store.policy(tenant)).orElseGet(Json.MAPPER::createObjectNode);
  }

  /** The keys an API key sets, or an empty object. Blocking. */
  public ObjectNode storedForKey(String keyId) {
    return parse(keyId, store.keyPolicy(keyId)).orElseGet(Json.MAPPER::createObjectNode);
  }

  /** The policy of a key's calls: {@code defaults}, the tenant's keys, then the key's. Blocking. */
  public RunPolicy effective(String tenant, String keyId, RunPolicy defaults) {
    return resolve(tenant, keyId, defaults, Optional.of(stored(tenant)), Optional.of(storedForKey(keyId)));
  }

  /**
   * Replaces the tenant's keys (blocking). {@code keys} must have been checked with
   * {@link RunPolicy#over}.
   */
  public void put(String tenant, ObjectNode keys, Instant at) {
    store.putPolicy(tenant, keys.toString(), at);
    tenantKeys.put(tenant, Future.succeededFuture(Optional.of(keys.deepCopy())));
  }

  /**
   * Replaces an API key's keys (blocking). {@code keys} must have been checked with
   * {@link RunPolicy#over}.
   */
  public void putForKey(String keyId, ObjectNode keys, Instant at) {
    store.putKeyPolicy(keyId, keys.toString(), at);
    keyKeys.put(keyId, Future.succeededFuture(Optional.of(keys.deepCopy())));
  }

  private static Optional<ObjectNode> parse(String owner, Optional<String> text) {
    return text.map(t -> {
      try {
        JsonNode n = Json.MAPPER.readTree(t);
        return n instanceof ObjectNode o ? o : null;
      } catch (java.io.IOException e) {
        log.warn("the stored run policy of {} is not JSON; it is ignored: {}", owner, e.getMessage());
        return null;
      }
    });
  }
}
