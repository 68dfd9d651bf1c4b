package dev.sluice.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.GatewayConfig.KeyConfig;
import dev.sluice.config.GatewayConfig.TenantConfig;
import dev.sluice.pipeline.Principal;
import dev.sluice.store.ApiKeys;
import dev.sluice.store.ApiKeys.ApiKey;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Finds who a presented API key belongs to: keys declared in the config (held in memory, by hash),
 * then keys in the store. Store lookups run on a worker thread and are cached for a few seconds
 * (unknown keys too, so a client retrying a wrong key cannot hammer the database); a key revoked
 * through this gateway is forgotten at once, through another replica within {@link #TTL}.
 */
public final class KeyDirectory {
  static final Duration TTL = Duration.ofSeconds(5);

  private final Map<String, Principal> configured;
  private final ApiKeys store;
  private final Vertx vertx;
  private final InstantSource clock;
  private final Cache<String, Optional<ApiKey>> cache;

  public KeyDirectory(GatewayConfig config, ApiKeys store, Vertx vertx, InstantSource clock) {
    this.configured = configuredKeys(config);
    this.store = store;
    this.vertx = vertx;
    this.clock = clock;
    this.cache = Caffeine.newBuilder().maximumSize(100_000).expireAfterWrite(TTL).build();
  }

  /** The same directory for a new config (its declared keys), sharing the store cache. */
  public KeyDirectory withConfig(GatewayConfig config) {
    return new KeyDirectory(configuredKeys(config), store, vertx, clock, cache);
  }

  private KeyDirectory(Map<String, Principal> configured, ApiKeys store, Vertx vertx, InstantSource clock,
      Cache<String, Optional<ApiKey>> cache) {
    this.configured = configured;
    this.store = store;
    this.vertx = vertx;
    this.clock = clock;
    this.cache = cache;
  }

  private static Map<String, Principal> configuredKeys(GatewayConfig config) {
    Map<String, Principal> out = new HashMap<>();
    for (TenantConfig t : config.tenants()) {
      for (KeyConfig k : t.keys()) {
        out.put(KeySecrets.hash(k.key().reveal()), new Principal(t.name(), configuredKeyId(t.name(), k.name()), k.models(), false));
      }
    }
    return Map.copyOf(out);
  }

  /** The id of a key declared in the config, as calls made with it are attributed. */
  public static String configuredKeyId(String tenant, String keyName) {
    return "cfg_" + tenant + "_" + keyName;
  }

  /**
   * The principal of an active key, or {@code null} when the key is unknown, revoked or expired.
   *
   * @param hash the presented secret's SHA-256, hex ({@link KeySecrets#hash})
   */
  public Future<Principal> identify(String hash) {
    Principal declared = configured.get(hash);
    if (declared != null) return Future.succeededFuture(declared);
    if (store == null) return Future.succeededFuture(null);
    Optional<ApiKey> cached = cache.getIfPresent(hash);
    if (cached != null) return Future.succeededFuture(principal(cached));
    return vertx.executeBlocking(() -> store.byHash(hash), false).map(found -> {
      cache.put(hash, found);
      return principal(found);
    });
  }

  /** Forgets what the cache knows of a key (after it was revoked here). */
  public void forget(String hash) {
    cache.invalidate(hash);
  }

  /** Forgets every cached key. */
  public void forgetAll() {
    cache.invalidateAll();
  }

  private Principal principal(Optional<ApiKey> key) {
    if (key.isEmpty()) return null;
    ApiKey k = key.get();
    Instant now = clock.instant();
    if (!k.activeAt(now)) return null;
    return new Principal(k.tenant(), k.id(), k.models(), false);
  }
}
