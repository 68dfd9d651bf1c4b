package dev.sluice.admit;

import dev.sluice.config.GatewayConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import dev.sluice.meter.Money;
import dev.sluice.meter.TokenEstimator;
import dev.sluice.pipeline.Call;
import dev.sluice.pipeline.Operation;
import dev.sluice.route.Catalog;
import dev.sluice.route.Deployment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The most a request can use and cost, over every deployment it could be served by (fallbacks
 * included): prompt tokens counted with the model's tokenizer, plus the most output it may
 * produce, priced at the dearest deployment. What admission reserves before any upstream is called.
 */
public record WorstCase(long tokens, long promptTokens, long outputTokens, Money cost) {

  /** The request's worst case, computed once per request (admission and the run guard both reserve it). */
  public static WorstCase of(Call call, Catalog catalog, TokenEstimator estimator) {
    return call.trace().derived(WorstCase.class, () -> estimate(call, catalog, estimator, true));
  }

  /** The request's worst case if an earlier stage computed it already ({@link #of}), else null. */
  public static WorstCase known(Call call) {
    return call.trace().derivedIfKnown(WorstCase.class);
  }

  /**
   * An upper bound of {@link #of} that runs no tokenizer ({@link TokenEstimator#bound}): a few
   * times the prompt's tokens at most, for a caller that can hold it while far from its limits
   * and needs the exact figure only near them. Not kept: {@link #of} still computes the exact one.
   */
  public static WorstCase bound(Call call, Catalog catalog, TokenEstimator estimator) {
    return estimate(call, catalog, estimator, false);
  }

  private static WorstCase estimate(Call call, Catalog catalog, TokenEstimator estimator, boolean exact) {
    GatewayConfig config = call.config();
    Optional<ModelConfig> asked = config.model(call.model());
    if (asked.isEmpty()) return new WorstCase(1, 1, 0, Money.ZERO);
    long prompt = 0;
    long output = 0;
    Money cost = Money.ZERO;
    Set<String> seen = new HashSet<>();
    List<ModelConfig> queue = new ArrayList<>(List.of(asked.get()));
    for (int i = 0; i < queue.size(); i++) {
      ModelConfig m = queue.get(i);
      if (!seen.add(m.name())) continue;
      for (Deployment d : catalog.deployments(m.name())) {
        String upstream = d.config().upstreamModelFor(m.isPattern() ? call.model() : m.name());
        TokenEstimator.Estimate e = call.operation() == Operation.EMBEDDINGS
            ? embeddingsEstimate(call)
            : exact ? estimator.estimate(call.body(), m, d.config(), upstream)
            : estimator.bound(call.body(), m, d.config(), upstream);
        prompt = Math.max(prompt, e.promptTokens());
        output = Math.max(output, e.outputTokens());
        if (e.worstCaseCost().isPresent() && e.worstCaseCost().get().compareTo(cost) > 0) cost = e.worstCaseCost().get();
      }
      for (String f : m.fallbacks()) config.model(f).ifPresent(queue::add);
      m.cascade().ifPresent(c -> {
        config.model(c.cheap()).ifPresent(queue::add);
        config.model(c.strong()).ifPresent(queue::add);
      });
    }
    if (asked.get().cascade().isPresent()) {
      // An escalated cascade call pays for both answers: twice the dearer of the two bounds it.
      return new WorstCase(2 * (prompt + output), 2 * prompt, 2 * output, cost.plus(cost));
    }
    return new WorstCase(prompt + output, prompt, output, cost);
  }

  private static TokenEstimator.Estimate embeddingsEstimate(Call call) {
    // An embeddings request has no output: its worst case is its input, priced as input.
    long tokens = 0;
    var input = call.body().get("input");
    if (input != null && input.isTextual()) tokens = input.asText().length() / 3 + 1;
    if (input != null && input.isArray()) for (var item : input) tokens += item.isTextual() ? item.asText().length() / 3 + 1 : item.size();
    return new TokenEstimator.Estimate(tokens, 0, Optional.empty());
  }
}
