/**
 * Prices and costs: what a request cost upstream, exactly. Pure values and functions, plus one
 * small thread-safe accountant ({@link dev.sluice.meter.HourlyCost}); nothing here does I/O.
 *
 * <p>How a meter stage uses it:
 * <ol>
 *   <li>Before the upstream call, to reserve budget: {@link dev.sluice.meter.TokenEstimator#estimate}
 *       gives the request's worst-case tokens and cost.
 *   <li>For the deployment that serves it: {@link dev.sluice.meter.PriceResolver#price} gives a
 *       {@link dev.sluice.meter.Price}: per token, per hour, or unpriced. For a deployment paid by
 *       the hour, {@link dev.sluice.meter.HourlyCost#start} when the attempt starts and
 *       {@link dev.sluice.meter.HourlyCost#finish} when it ends, whatever the outcome, give the
 *       request's share; the accountant's idle cost is reported per deployment.
 *   <li>When the answer is in (the body, or the last stream chunk that carries usage):
 *       {@link dev.sluice.meter.Usage#fromResponse}. Empty means the usage is unknown (a stream
 *       without {@code include_usage}, or cut short): record it as such, never as zero tokens.
 *   <li>{@link dev.sluice.meter.CostCalculator#cost} gives a {@link dev.sluice.meter.Cost}: priced
 *       with invoice lines, by the hour, or unpriced (record it as unpriced, count it, warn; never $0).
 * </ol>
 *
 * <p>Amounts are {@link dev.sluice.meter.Money}: long nano-dollars, HALF_EVEN when an exact decimal
 * is rounded to the nano-dollar, {@code BigDecimal} only when reading prices and writing amounts out.
 */
package dev.sluice.meter;
