package dev.sluice.route;

import dev.sluice.config.GatewayConfig;
import dev.sluice.config.GatewayConfig.DeploymentConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import dev.sluice.meter.HourlyCost;
import dev.sluice.meter.Money;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every configured deployment, ready to call, by model name. Immutable; a config reload builds a
 * new catalog that keeps the live state (requests in flight, circuit breakers) of every deployment
 * whose identity did not change, so a reload neither resets a tripped breaker nor loses count of
 * requests still in flight.
 */
public final class Catalog {
  private final Map<String, List<Deployment>> byModel;
  private final Map<String, DeploymentState> states;

  private Catalog(Map<String, List<Deployment>> byModel, Map<String, DeploymentState> states) {
    this.byModel = byModel;
    this.states = states;
  }

  public static Catalog build(GatewayConfig config, ProviderFactory factory, Catalog previous) {
    Map<String, List<Deployment>> byModel = new HashMap<>();
    Map<String, DeploymentState> states = new HashMap<>();
    for (ModelConfig m : config.models()) {
      List<Deployment> list = new ArrayList<>();
      for (DeploymentConfig d : m.deployments()) {
        String key = identity(m.name(), d);
        DeploymentState state = previous == null ? null : previous.states.get(key);
        if (state == null) {
          state = new DeploymentState(config.circuitBreaker(),
              d.costPerHour().map(perHour -> new HourlyCost(Money.ofUsd(perHour))).orElse(null));
        }
        states.put(key, state);
        list.add(new Deployment(m.name(), d, factory.create(m.name(), d), state));
      }
      byModel.put(m.name(), List.copyOf(list));
    }
    return new Catalog(Map.copyOf(byModel), Map.copyOf(states));
  }

  /** What must stay the same for live state to carry over a reload (a new hourly price starts a new accountant). */
  private static String identity(String model, DeploymentConfig d) {
    return model + "\u0000" + d.id() + "\u0000" + d.provider() + "\u0000" + d.baseUrl() + "\u0000"
        + d.costPerHour().map(java.math.BigDecimal::toPlainString).orElse("");
  }

  /** The deployments of a model entry, in config order; empty for an unknown name. */
  public List<Deployment> deployments(String model) {
    return byModel.getOrDefault(model, List.of());
  }

  /** Every deployment of every model. */
  public List<Deployment> all() {
    List<Deployment> out = new ArrayList<>();
    byModel.values().forEach(out::addAll);
    return out;
  }

  /** Whether at least one deployment would take a request now (its circuit is not open). */
  public boolean anyAvailable(long nowNanos) {
    for (List<Deployment> list : byModel.values()) {
      for (Deployment d : list) {
        if (d.state().breaker().state(nowNanos) != CircuitBreaker.State.OPEN) return true;
      }
    }
    return false;
  }
}
