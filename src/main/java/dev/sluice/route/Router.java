package dev.sluice.route;

import dev.sluice.config.GatewayConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Decides where a request goes, as a pure function of the config, the load each deployment
 * carries right now, and a source of randomness. Produces an ordered plan: first the requested
 * model's deployments, then those of its fallback models (transitively, each once).
 *
 * <p>Within a model: {@code least_outstanding} draws two deployments at random (in proportion to
 * weight) and puts the one with fewer requests in flight per unit of weight first (power of two
 * choices), then the rest from least to most loaded; {@code weighted} orders them by a weighted
 * random draw. Deployments of weight 0 are standbys, tried last.
 */
public final class Router {
  private Router() {}

  /** How loaded a deployment is; the live value in production, fixed values in tests. */
  @FunctionalInterface
  public interface Load {
    int outstanding(Deployment d);
  }

  public static RoutePlan plan(GatewayConfig config, Catalog catalog, ModelConfig model, String requested,
      Load load, RandomGenerator random) {
    List<Target> targets = new ArrayList<>();
    Set<String> visited = new HashSet<>();
    ArrayDeque<ModelConfig> queue = new ArrayDeque<>();
    queue.add(model);
    visited.add(model.name());
    boolean first = true;
    while (!queue.isEmpty()) {
      ModelConfig m = queue.poll();
      String route = m.isPattern() ? requested : m.name();
      for (Deployment d : order(catalog.deployments(m.name()), m.routing(), load, random)) {
        targets.add(new Target(d, route, d.config().upstreamModelFor(m.isPattern() ? requested : m.name()), !first));
      }
      first = false;
      for (String f : new LinkedHashSet<>(m.fallbacks())) {
        if (visited.add(f)) {
          config.model(f).ifPresent(queue::add);
        }
      }
    }
    return new RoutePlan(targets);
  }

  static List<Deployment> order(List<Deployment> deployments, GatewayConfig.Routing routing, Load load,
      RandomGenerator random) {
    List<Deployment> active = new ArrayList<>();
    List<Deployment> standby = new ArrayList<>();
    for (Deployment d : deployments) {
      (d.config().weight() > 0 ? active : standby).add(d);
    }
    List<Deployment> ordered = switch (routing) {
      case LEAST_OUTSTANDING -> leastOutstanding(active, load, random);
      case WEIGHTED -> weightedOrder(active, random);
    };
    List<Deployment> out = new ArrayList<>(ordered.size() + standby.size());
    out.addAll(ordered);
    out.addAll(standby);
    return out;
  }

  private static List<Deployment> leastOutstanding(List<Deployment> active, Load load, RandomGenerator random) {
    if (active.size() <= 1) return active;
    Comparator<Deployment> byLoad = Comparator.comparingDouble(d -> (load.outstanding(d) + 1.0) / d.config().weight());
    Deployment a = weightedPick(active, random, null);
    Deployment b = weightedPick(active, random, a);
    Deployment winner = byLoad.compare(b, a) < 0 ? b : a;
    List<Deployment> rest = new ArrayList<>(active);
    rest.remove(winner);
    rest.sort(byLoad);
    List<Deployment> out = new ArrayList<>(active.size());
    out.add(winner);
    out.addAll(rest);
    return out;
  }

  private static Deployment weightedPick(List<Deployment> from, RandomGenerator random, Deployment except) {
    long total = 0;
    for (Deployment d : from) {
      if (d != except) total += d.config().weight();
    }
    long r = random.nextLong(total);
    for (Deployment d : from) {
      if (d == except) continue;
      r -= d.config().weight();
      if (r < 0) return d;
    }
    throw new IllegalStateException("unreachable: weights changed while picking");
  }

  /** A random order where each position is drawn in proportion to weight (Efraimidis-Spirakis keys). */
  private static List<Deployment> weightedOrder(List<Deployment> active, RandomGenerator random) {
    if (active.size() <= 1) return active;
    record Keyed(Deployment d, double key) {}
    List<Keyed> keyed = new ArrayList<>();
    for (Deployment d : active) {
      double u = random.nextDouble();
      keyed.add(new Keyed(d, Math.log(u == 0 ? Double.MIN_VALUE : u) / d.config().weight()));
    }
    keyed.sort(Comparator.comparingDouble(Keyed::key).reversed());
    List<Deployment> out = new ArrayList<>();
    for (Keyed k : keyed) out.add(k.d());
    return out;
  }
}
