package dev.sluice.meter;

import dev.sluice.meter.Cost.Bucket;
import dev.sluice.meter.Cost.Line;
import dev.sluice.meter.TokenPrice.Level;
import dev.sluice.meter.TokenPrice.Rates;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a request's {@link Usage} and {@link Price} into its {@link Cost}. Pure and allocation-light;
 * safe to call from any thread.
 *
 * <p>The rules:
 * <ul>
 *   <li>Each bucket is priced at its own rate: uncached input, cache reads, cache writes, output.
 *       Reasoning tokens are output; they get a line of their own only when the model prices them
 *       apart ({@link Rates#reasoningDiffers()}), and then the output line holds the rest.
 *   <li>Long-context tiers: when the prompt ({@link Usage#promptTokens()}: uncached, cache reads and
 *       cache writes) exceeds a tier's threshold, every bucket of the request is priced at that
 *       tier's rates, as Google and Anthropic bill long prompts; not just the tokens past the threshold.
 *   <li>Batch: a batch request uses the model's batch rates, with the tier rule applied to them; a
 *       model without a batch price charges its normal price ({@link Cost.Priced#batch()} is false).
 *   <li>Each line's amount is {@code tokens × rate}, rounded HALF_EVEN to the nano-dollar; the total
 *       is the exact sum of the lines, so an invoice's lines always add up to its total.
 * </ul>
 */
public final class CostCalculator {
  private CostCalculator() {}

  /**
   * The cost of a request.
   *
   * @param batch whether the request went through a batch API
   * @return {@link Cost.Priced} for a per-token price, {@link Cost.ByTheHour} for a deployment paid by
   *     the hour, {@link Cost.Unpriced} when no price is known
   */
  public static Cost cost(Usage usage, Price price, boolean batch) {
    return switch (price) {
      case Price.PerToken t -> priced(usage, t.price(), batch, t.source());
      case Price.PerHour h -> new Cost.ByTheHour(h.perHour());
      case Price.Unpriced u -> new Cost.Unpriced(u.upstreamModel());
    };
  }

  /** The cost of a request at a per-token price. */
  public static Cost.Priced priced(Usage usage, TokenPrice price, boolean batch, Price.Source source) {
    TokenPrice applied = price;
    boolean batchApplied = false;
    if (batch) {
      var batchPrice = price.forBatch();
      if (batchPrice.isPresent()) {
        applied = batchPrice.get();
        batchApplied = true;
      }
    }
    Level level = applied.levelFor(usage.promptTokens());
    Rates r = level.rates();
    List<Line> lines = new ArrayList<>(5);
    add(lines, Bucket.INPUT, usage.input(), r.input());
    add(lines, Bucket.CACHED_INPUT, usage.cachedInput(), r.cachedInput());
    add(lines, Bucket.CACHE_WRITE, usage.cacheWrite(), r.cacheWrite());
    if (r.reasoningDiffers()) {
      add(lines, Bucket.OUTPUT, usage.output() - usage.reasoning(), r.output());
      add(lines, Bucket.REASONING, usage.reasoning(), r.reasoning());
    } else {
      add(lines, Bucket.OUTPUT, usage.output(), r.output());
    }
    Money total = Money.ZERO;
    for (Line l : lines) total = total.plus(l.amount());
    return new Cost.Priced(total, lines, level.aboveTokens(), batchApplied, source);
  }

  private static void add(List<Line> lines, Bucket bucket, long tokens, Money ratePerMtok) {
    if (tokens > 0) lines.add(new Line(bucket, tokens, ratePerMtok, ratePerMtok.perMillion(tokens)));
  }
}
