package dev.sluice.meter;

import java.util.Optional;

/**
 * How a deployment of a model is priced, as {@link PriceResolver} answers it: per token, per hour
 * of hardware, or not at all. A closed set, so that every caller handles the unpriced case.
 */
public sealed interface Price {

  /** Where a per-token price came from, in order of precedence. */
  enum Source {
    /** {@code price:} on the deployment. */
    DEPLOYMENT,
    /** {@code price:} on the model entry, for all its deployments. */
    MODEL,
    /** The price table shipped with Sluice, by the model name sent upstream. */
    TABLE,
    /** The in-process model, which runs on Sluice's own CPU: free unless configured otherwise. */
    IN_PROCESS
  }

  /**
   * Priced by the token.
   *
   * @param tableKey the table entry that matched, when the price came from the table
   */
  record PerToken(TokenPrice price, Source source, Optional<String> tableKey) implements Price {}

  /**
   * Priced by the hour of hardware ({@code cost_per_hour}): a request costs its share of the hour,
   * measured by {@link HourlyCost}, whatever its tokens.
   */
  record PerHour(Money perHour) implements Price {}

  /**
   * No price is known for the model sent upstream. The caller records the request as unpriced,
   * counts it and warns; it never turns this into a cost of zero.
   */
  record Unpriced(String upstreamModel) implements Price {}
}
