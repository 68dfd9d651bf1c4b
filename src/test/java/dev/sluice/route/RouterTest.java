package dev.sluice.route;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RouterTest {
  static final String YAML = """
      models:
        - name: m
          deployments:
            - {id: a, provider: openai}
            - {id: b, provider: openai}
            - {id: c, provider: openai, weight: 3}
            - {id: spare, provider: openai, weight: 0}
          fallbacks: [f]
        - name: f
          routing: weighted
          deployments:
            - {id: x, provider: openai}
          fallbacks: [m, g]
        - name: g
          deployments:
            - {id: y, provider: openai, model: upstream-y}
        - name: "gpt-*"
          deployments:
            - {id: z, provider: openai}
      """;
  final GatewayConfig config = new ConfigLoader(Map.<String, String>of()::get).parse("t", YAML);
  final Catalog catalog = Catalog.build(config, (m, d) -> new Object(), null);

  private RoutePlan plan(String model, Map<String, Integer> load, RandomGenerator random) {
    return Router.plan(config, catalog, config.model(model).orElseThrow(), model,
        d -> load.getOrDefault(d.id(), 0), random);
  }

  private static List<String> ids(RoutePlan p) {
    return p.targets().stream().map(t -> t.deployment().id()).toList();
  }

  @Test
  void fallbacksFollowTheModelsOwnDeploymentsTransitivelyAndOnce() {
    RoutePlan p = plan("m", Map.of(), new SplittableRandom(1));

    assertThat(ids(p)).hasSize(6).endsWith("spare", "x", "y");
    assertThat(p.targets().get(4).fallback()).isTrue();
    assertThat(p.targets().get(5).upstreamModel()).isEqualTo("upstream-y");
    assertThat(p.targets().get(0).upstreamModel()).isEqualTo("m");
  }

  @Test
  void theLessLoadedOfTwoRandomChoicesGoesFirst() {
    Map<String, Integer> load = Map.of("a", 10, "b", 10, "c", 0);
    int cFirst = 0;
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 1000; i++) {
      if (ids(plan("m", load, random)).getFirst().equals("c")) cFirst++;
    }
    // c is idle: it goes first whenever it is one of the two drawn (it carries 3/5 of the weight)
    assertThat(cFirst).isGreaterThan(800);
  }

  @Test
  void restOfThePlanIsOrderedByLoadPerWeight() {
    Map<String, Integer> load = Map.of("a", 5, "b", 1, "c", 8);
    for (int seed = 0; seed < 50; seed++) {
      List<String> order = ids(plan("m", load, new SplittableRandom(seed))).subList(0, 3);
      // (load+1)/weight: a=6, b=2, c=3 -> after the winner, the rest ascend
      List<String> rest = order.subList(1, 3);
      Map<String, Double> score = Map.of("a", 6.0, "b", 2.0, "c", 3.0);
      assertThat(score.get(rest.get(0))).isLessThanOrEqualTo(score.get(rest.get(1)));
    }
  }

  @Test
  void weightedRoutingFollowsTheWeights() {
    Map<String, Integer> first = new HashMap<>();
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 5000; i++) {
      first.merge(Router.order(catalog.deployments("m"), GatewayConfig.Routing.WEIGHTED, d -> 0, random).getFirst().id(), 1, Integer::sum);
    }
    assertThat(first.get("c") / 5000.0).isBetween(0.55, 0.65);
    assertThat(first.get("a") / 5000.0).isBetween(0.15, 0.25);
    assertThat(first).doesNotContainKey("spare");
  }

  @Test
  void aPatternModelSendsTheRequestedNameUpstreamAndReportsIt() {
    RoutePlan p = plan("gpt-4o-mini", Map.of(), new SplittableRandom(1));

    assertThat(p.targets()).singleElement().satisfies(t -> {
      assertThat(t.route()).isEqualTo("gpt-4o-mini");
      assertThat(t.upstreamModel()).isEqualTo("gpt-4o-mini");
    });
  }
}
