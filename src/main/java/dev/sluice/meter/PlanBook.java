package dev.sluice.meter;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.GatewayConfig.TenantConfig;
import dev.sluice.store.Tenants;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each tenant's {@link Plan}: from the config for tenants declared there, else from the store
 * (read on a worker thread, cached for a few seconds), else pass-through. A plan that cannot be
 * read is logged and treated as pass-through, so a bad plan never fails a request.
 */
public final class PlanBook {
  private static final Logger log = LoggerFactory.getLogger(PlanBook.class);
  private static final Duration TTL = Duration.ofSeconds(5);

  private final Map<String, Plan> configured;
  private final Tenants store;
  private final Vertx vertx;
  private final Cache<String, Plan> cache = Caffeine.newBuilder().maximumSize(10_000).expireAfterWrite(TTL).build();

  public PlanBook(GatewayConfig config, Tenants store, Vertx vertx) {
    Map<String, Plan> plans = new HashMap<>();
    for (TenantConfig t : config.tenants()) {
      t.plan().ifPresent(json -> plans.put(t.name(), read(t.name(), json)));
    }
    this.configured = Map.copyOf(plans);
    this.store = store;
    this.vertx = vertx;
  }

  public Future<Plan> plan(String tenant) {
    Plan p = configured.get(tenant);
    if (p != null) return Future.succeededFuture(p);
    if (store == null) return Future.succeededFuture(Plan.PASS_THROUGH);
    Plan cached = cache.getIfPresent(tenant);
    if (cached != null) return Future.succeededFuture(cached);
    return vertx.executeBlocking(() -> store.byName(tenant).map(t -> read(tenant, t.plan())).orElse(Plan.PASS_THROUGH), false)
        .onSuccess(found -> cache.put(tenant, found));
  }

  /** Forgets a tenant's cached plan (after it changed here). */
  public void forget(String tenant) {
    cache.invalidate(tenant);
  }

  private static Plan read(String tenant, String json) {
    try {
      return Plan.parse(json);
    } catch (IllegalArgumentException e) {
      log.warn("tenant {}: its plan cannot be read ({}); charging pass-through", tenant, e.getMessage());
      return Plan.PASS_THROUGH;
    }
  }
}
