package dev.sluice.meter;

import dev.sluice.config.GatewayConfig.DeploymentConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import dev.sluice.config.GatewayConfig.PriceOverride;
import dev.sluice.config.GatewayConfig.ProviderKind;
import dev.sluice.meter.TokenPrice.Batch;
import dev.sluice.meter.TokenPrice.Rates;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * Answers what a deployment of a model costs. Pure: the answer depends only on the config records
 * and the table given, so it can be asked on every request (it does a few map lookups) or cached
 * per deployment and upstream name by the caller.
 *
 * <p>Precedence, first match wins:
 * <ol>
 *   <li>the deployment's {@code cost_per_hour} ({@link Price.PerHour}) or {@code price};
 *   <li>the model's {@code price};
 *   <li>for the in-process provider {@code local}: free ({@link Price.Source#IN_PROCESS});
 *   <li>the shipped table, by the model name sent upstream and the deployment's host
 *       ({@link PriceTable#find});
 *   <li>{@link Price.Unpriced}.
 * </ol>
 *
 * <p>A config price has no long-context tiers; its cache prices default to its input price and its
 * {@code batch_discount} applies to every rate. Reasoning tokens are priced as output.
 */
public final class PriceResolver {
  private static final TokenPrice FREE = TokenPrice.flat(Rates.of(Money.ZERO, Money.ZERO));

  private final PriceTable table;

  public PriceResolver(PriceTable table) {
    this.table = table;
  }

  /** A resolver over the table shipped inside Sluice. */
  public static PriceResolver shipped() {
    return new PriceResolver(PriceTable.shipped());
  }

  /**
   * The price of a request served by {@code deployment} of {@code model}.
   *
   * @param upstreamModel the model name sent upstream ({@link DeploymentConfig#upstreamModelFor})
   */
  public Price price(ModelConfig model, DeploymentConfig deployment, String upstreamModel) {
    if (deployment.costPerHour().isPresent()) {
      return new Price.PerHour(Money.ofUsd(deployment.costPerHour().get()));
    }
    if (deployment.price().isPresent()) {
      return new Price.PerToken(tokenPrice(deployment.price().get()), Price.Source.DEPLOYMENT, Optional.empty());
    }
    if (model.price().isPresent()) {
      return new Price.PerToken(tokenPrice(model.price().get()), Price.Source.MODEL, Optional.empty());
    }
    if (deployment.provider() == ProviderKind.LOCAL) {
      return new Price.PerToken(FREE, Price.Source.IN_PROCESS, Optional.empty());
    }
    return tableEntry(deployment, upstreamModel)
        .<Price>map(e -> new Price.PerToken(e.price(), Price.Source.TABLE, Optional.of(e.key())))
        .orElseGet(() -> new Price.Unpriced(upstreamModel));
  }

  /**
   * The table's entry for the model a deployment serves, whatever price the config sets; it also
   * carries the model's limits ({@code max_output_tokens}).
   */
  public Optional<PriceTable.Entry> tableEntry(DeploymentConfig deployment, String upstreamModel) {
    Optional<String> namespace = switch (deployment.provider()) {
      case ANTHROPIC -> Optional.of("anthropic");
      case OPENAI -> PriceTable.namespaceOf(deployment.baseUrl());
      case LOCAL -> Optional.empty();
    };
    return table.find(upstreamModel, namespace);
  }

  /** A config price as a token price. */
  static TokenPrice tokenPrice(PriceOverride o) {
    Rates rates = new Rates(Money.ofUsd(o.inputPerMtok()), Money.ofUsd(o.cachedInputPerMtok()),
        Money.ofUsd(o.cacheWritePerMtok()), Money.ofUsd(o.outputPerMtok()), Money.ofUsd(o.outputPerMtok()));
    Optional<Batch> batch = Optional.empty();
    if (o.batchDiscount().signum() > 0) {
      BigDecimal factor = BigDecimal.ONE.subtract(o.batchDiscount());
      batch = Optional.of(new Batch(factor, factor));
    }
    return new TokenPrice(rates, List.of(), batch);
  }
}
