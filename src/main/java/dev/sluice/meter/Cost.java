package dev.sluice.meter;

import java.util.List;

/**
 * What one request cost upstream, as {@link CostCalculator} computes it. A closed set: a priced
 * request with its invoice lines, a request on hardware paid by the hour, or an unpriced one.
 */
public sealed interface Cost {

  /** The disjoint token buckets of {@link Usage}, each priced at one rate. */
  enum Bucket {
    /** Uncached prompt tokens. */
    INPUT,
    /** Prompt tokens read from the provider's prompt cache. */
    CACHED_INPUT,
    /** Prompt tokens written to the provider's prompt cache. */
    CACHE_WRITE,
    /** Completion tokens, reasoning included unless the model prices reasoning apart. */
    OUTPUT,
    /** Reasoning tokens, only when the model prices them apart from output. */
    REASONING
  }

  /**
   * One invoice line: {@code tokens × ratePerMtok / 1,000,000 = amount}, rounded HALF_EVEN to the
   * nano-dollar.
   */
  record Line(Bucket bucket, long tokens, Money ratePerMtok, Money amount) {}

  /**
   * A request priced by the token.
   *
   * @param total the sum of the lines' amounts, exactly
   * @param lines one per bucket with tokens, in {@link Bucket} order
   * @param tierAboveTokens the long-context tier applied (its prompt-size threshold), or 0 for the base price
   * @param batch whether batch rates applied (false for a batch request when the model has no batch price)
   */
  record Priced(Money total, List<Line> lines, long tierAboveTokens, boolean batch, Price.Source source)
      implements Cost {
    public Priced {
      lines = List.copyOf(lines);
    }
  }

  /** A request on a deployment paid by the hour: its cost is its share from {@link HourlyCost}. */
  record ByTheHour(Money perHour) implements Cost {}

  /** No price is known: record the request as unpriced, count it and warn; never as $0. */
  record Unpriced(String upstreamModel) implements Cost {}
}
