package dev.sluice.route;

import java.util.List;

/** The targets to try for one request, in order: the model's deployments, then its fallbacks'. */
public record RoutePlan(List<Target> targets) {
  public RoutePlan {
    targets = List.copyOf(targets);
  }
}
