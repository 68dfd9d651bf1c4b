package dev.sluice.admit;

import dev.sluice.pipeline.Attribution;
import dev.sluice.pipeline.Principal;
import dev.sluice.store.Budgets.Budget;
import dev.sluice.store.RateLimits.RateLimit;
import dev.sluice.store.Store;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The budgets and rate limits in force, read from the store into memory and refreshed every few
 * seconds (and at once after a change through this gateway's admin API), so that admitting a
 * request never waits on the database.
 */
public final class AdmissionRules implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdmissionRules.class);
  static final long REFRESH_MS = 2_000;

  private record Rules(List<Budget> budgets, List<RateLimit> limits) {}

  private final Store store;
  private final Vertx vertx;
  private final AtomicReference<Rules> rules = new AtomicReference<>(new Rules(List.of(), List.of()));
  private final long timer;

  public AdmissionRules(Store store, Vertx vertx) {
    this.store = store;
    this.vertx = vertx;
    load();
    this.timer = vertx.setPeriodic(REFRESH_MS, id -> vertx.executeBlocking(() -> {
      load();
      return null;
    }, false));
  }

  /** Reads the rules again now (blocking). */
  public void load() {
    try {
      rules.set(new Rules(List.copyOf(store.budgets().list(null)), List.copyOf(store.rateLimits().list(null))));
    } catch (RuntimeException e) {
      log.warn("could not read budgets and rate limits from the store; keeping the last ones read: {}", e.toString());
    }
  }

  /** Whether any budget or rate limit exists at all (when none does, admission is free). */
  public boolean isEmpty() {
    Rules r = rules.get();
    return r.budgets.isEmpty() && r.limits.isEmpty();
  }

  /** The rate limits that apply to a call of {@code model} by {@code who}. */
  public List<RateLimit> limits(Principal who, String model) {
    List<RateLimit> out = new ArrayList<>(2);
    for (RateLimit l : rules.get().limits) {
      if (!l.tenant().equals(who.tenant())) continue;
      if (l.model() != null && !l.model().equals(model)) continue;
      if (l.scope().equals("key") && !Objects.equals(l.target(), who.keyId())) continue;
      out.add(l);
    }
    return out;
  }

  /** The budgets that a call by {@code who}, attributed as {@code a}, counts against. */
  public List<Budget> budgets(Principal who, Attribution a) {
    List<Budget> out = new ArrayList<>(2);
    for (Budget b : rules.get().budgets) {
      if (!b.tenant().equals(who.tenant())) continue;
      boolean applies = switch (b.scope()) {
        case "tenant" -> true;
        case "key" -> Objects.equals(b.target(), who.keyId());
        case "feature" -> Objects.equals(b.target(), a.feature());
        case "user" -> Objects.equals(b.target(), a.user());
        default -> false;
      };
      if (applies) out.add(b);
    }
    return out;
  }

  /** The ids of every rate limit in force (so the limiter can forget deleted ones). */
  public Set<String> limitIds() {
    Set<String> ids = new HashSet<>();
    for (RateLimit l : rules.get().limits) ids.add(l.id());
    return ids;
  }

  @Override
  public void close() {
    vertx.cancelTimer(timer);
  }
}
