package dev.sluice.meter;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What one model costs per token: base rates, optional long-context tiers, and an optional batch
 * discount. Every rate is a {@link Money} per million tokens, so a rate is exact to 1e-15 USD per
 * token (finer than any published price).
 *
 * <p>Tiers: a tier applies to the whole request once its prompt (uncached input, cache reads and
 * cache writes together) exceeds the tier's threshold, as Google and Anthropic bill long-context
 * requests; the highest threshold exceeded wins. See {@link #ratesFor(long)}.
 *
 * <p>Batch: the batch price is these rates times {@link Batch#inputFactor()} (input, cache read,
 * cache write) and {@link Batch#outputFactor()} (output, reasoning), at every tier.
 *
 * @param rates the base rates
 * @param tiers long-context rates, each above a prompt size; any order
 * @param batch the batch discount, when the model has one
 */
public record TokenPrice(Rates rates, List<Tier> tiers, Optional<Batch> batch) {

  public TokenPrice {
    List<Tier> sorted = new ArrayList<>(tiers);
    sorted.sort(Comparator.comparingLong(Tier::aboveTokens));
    tiers = List.copyOf(sorted);
  }

  /** A flat price: no tiers, no batch discount. */
  public static TokenPrice flat(Rates rates) {
    return new TokenPrice(rates, List.of(), Optional.empty());
  }

  /**
   * Rates per million tokens at one price level.
   *
   * @param input an uncached prompt token
   * @param cachedInput a prompt token read from the provider's prompt cache
   * @param cacheWrite a prompt token written to the provider's prompt cache (Anthropic)
   * @param output a completion token, reasoning included unless {@code reasoning} differs
   * @param reasoning a reasoning token; equal to {@code output} for nearly every model
   */
  public record Rates(Money input, Money cachedInput, Money cacheWrite, Money output, Money reasoning) {
    /** Rates where cache reads and writes cost what input costs and reasoning what output costs. */
    public static Rates of(Money input, Money output) {
      return new Rates(input, input, input, output, output);
    }

    /** True when reasoning tokens have a price of their own. */
    public boolean reasoningDiffers() {
      return !reasoning.equals(output);
    }

    Rates scaled(BigDecimal inputFactor, BigDecimal outputFactor) {
      return new Rates(input.times(inputFactor), cachedInput.times(inputFactor), cacheWrite.times(inputFactor),
          output.times(outputFactor), reasoning.times(outputFactor));
    }
  }

  /** Rates for requests whose prompt exceeds {@code aboveTokens} tokens. */
  public record Tier(long aboveTokens, Rates rates) {}

  /**
   * A batch discount as factors on the normal price: 0.5 means half price.
   *
   * @param inputFactor applied to input, cache read and cache write rates
   * @param outputFactor applied to output and reasoning rates
   */
  public record Batch(BigDecimal inputFactor, BigDecimal outputFactor) {}

  /** The rates that apply to a request with this many prompt tokens, and the tier they come from. */
  public Level levelFor(long promptTokens) {
    for (int i = tiers.size() - 1; i >= 0; i--) {
      Tier t = tiers.get(i);
      if (promptTokens > t.aboveTokens()) return new Level(t.rates(), t.aboveTokens());
    }
    return new Level(rates, 0);
  }

  /** The rates that apply to a request with this many prompt tokens. */
  public Rates ratesFor(long promptTokens) {
    return levelFor(promptTokens).rates();
  }

  /**
   * The rates in force and where they come from.
   *
   * @param aboveTokens the threshold of the tier applied; 0 for the base rates
   */
  public record Level(Rates rates, long aboveTokens) {}

  /** This price with the batch discount applied at every level, or empty when the model has none. */
  public Optional<TokenPrice> forBatch() {
    return batch.map(b -> {
      List<Tier> scaled = new ArrayList<>();
      for (Tier t : tiers) scaled.add(new Tier(t.aboveTokens(), t.rates().scaled(b.inputFactor(), b.outputFactor())));
      return new TokenPrice(rates.scaled(b.inputFactor(), b.outputFactor()), scaled, Optional.empty());
    });
  }
}
