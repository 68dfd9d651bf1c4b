package dev.sluice.sim.profile;

import java.util.Locale;

/**
 * What a backend costs, in integer micro-dollars: by the hour for hardware you rent, by the token
 * for an API. Costs come out in nano-dollars so per-token amounts stay exact.
 */
public sealed interface Pricing {

  /** A one-line summary for listings, e.g. {@code $3.99/h} or {@code $2.50 in, $1.25 cached, $10.00 out per 1M tokens}. */
  String describe();

  /** Hardware rented by the hour. */
  record Hourly(long microUsdPerHour) implements Pricing {
    /** Nano-dollars for {@code nanos} of emulated time. */
    public long costNanoUsd(long nanos) {
      return Math.round(microUsdPerHour * 1000.0 * nanos / 3.6e12);
    }

    /** Dollars per million output tokens at a sustained {@code outputTokensPerSecond}. */
    public double usdPerMillionOutputTokens(double outputTokensPerSecond) {
      return microUsdPerHour / 1e6 / (3600 * outputTokensPerSecond) * 1e6;
    }

    @Override
    public String describe() {
      double usd = microUsdPerHour / 1e6;
      return String.format(Locale.ROOT, usd < 0.1 ? "$%.4f/h" : "$%.2f/h", usd);
    }
  }

  /** An API priced per million tokens; cached input is the share of the prompt served from the provider's prompt cache. */
  record PerToken(long inputMicroUsdPerMTok, long cachedInputMicroUsdPerMTok, long outputMicroUsdPerMTok) implements Pricing {
    /** Nano-dollars for one request. */
    public long costNanoUsd(long promptTokens, long cachedPromptTokens, long outputTokens) {
      long uncached = promptTokens - cachedPromptTokens;
      return (uncached * inputMicroUsdPerMTok + cachedPromptTokens * cachedInputMicroUsdPerMTok
          + outputTokens * outputMicroUsdPerMTok) / 1000;
    }

    @Override
    public String describe() {
      return String.format(Locale.ROOT, "$%.3f in, $%.3f cached, $%.2f out per 1M tokens",
          inputMicroUsdPerMTok / 1e6, cachedInputMicroUsdPerMTok / 1e6, outputMicroUsdPerMTok / 1e6);
    }
  }
}
