package dev.sluice.meter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.meter.PriceTable.Entry;
import dev.sluice.meter.TokenPrice.Rates;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PriceTableTest {
  private static final PriceTable SHIPPED = PriceTable.shipped();

  private static PriceTable table(String json) {
    return PriceTable.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
  }

  private static Money usd(String perMtok) {
    return Money.parse(perMtok);
  }

  @Test
  void pricesAreReadAsDecimalsExactToAFemtoDollarPerToken() {
    PriceTable t = table("""
        {"m": {"litellm_provider": "x", "mode": "chat",
               "input_cost_per_token": 1.234567890123e-07, "output_cost_per_token": 0,
               "cache_read_input_token_cost": 1.0000000000000005e-06}}
        """);
    Rates r = t.get("m").orElseThrow().price().rates();
    // 1.234567890123e-07 per token = 0.1234567890123 per Mtok = 123,456,789.0123 nanos per Mtok -> 123,456,789
    assertThat(r.input().nanos()).isEqualTo(123_456_789L);
    // 1.0000000000000005e-06 per token = 1.0000000000000005 per Mtok: 1,000,000,000.0000005 nanos -> 1,000,000,000
    assertThat(r.cachedInput().nanos()).isEqualTo(1_000_000_000L);
    assertThat(r.output()).isEqualTo(Money.ZERO); // the JSON integer 0 is a price like any other
  }

  @Test
  void aModelIsFoundByItsExactNameAndItsDatedSnapshotsOnlyWhereListed() {
    assertThat(SHIPPED.find("gpt-4o", Optional.empty()).map(Entry::key)).contains("gpt-4o");
    assertThat(SHIPPED.find("gpt-4o-2024-08-06", Optional.empty()).map(e -> e.price().rates().input()))
        .contains(usd("2.50"));
    // An older snapshot has its own, higher price: never the alias's.
    assertThat(SHIPPED.find("gpt-4o-2024-05-13", Optional.empty()).map(e -> e.price().rates().input()))
        .contains(usd("5.00"));
    // A snapshot the table does not list is not priced as its family.
    assertThat(SHIPPED.find("gpt-4o-2099-01-01", Optional.empty())).isEmpty();
    assertThat(SHIPPED.find("GPT-4o", Optional.empty())).isEmpty();
  }

  @Test
  void aProviderPrefixIsDroppedOnlyForThatProvidersOwnModels() {
    assertThat(SHIPPED.find("anthropic/claude-sonnet-4-20250514", Optional.empty()).map(Entry::key))
        .contains("claude-sonnet-4-20250514");
    assertThat(SHIPPED.find("openai/gpt-4o", Optional.empty()).map(Entry::provider)).contains("openai");
    // gpt-4o is OpenAI's: a "groq/" prefix does not make Groq sell it at OpenAI's price.
    assertThat(SHIPPED.find("groq/gpt-4o", Optional.empty())).isEmpty();
    // A self-hosted model under its Hugging Face name is not in the table.
    assertThat(SHIPPED.find("meta-llama/Llama-3.1-8B-Instruct", Optional.empty())).isEmpty();
  }

  @Test
  void aKnownHostIsPricedFromItsProvidersEntriesOnly() {
    Optional<String> deepseek = PriceTable.namespaceOf(URI.create("https://api.deepseek.com/v1"));
    assertThat(deepseek).contains("deepseek");
    // DeepSeek's host: the namespaced entry (current prices), not the older bare one.
    assertThat(SHIPPED.find("deepseek-chat", deepseek).map(Entry::key)).contains("deepseek/deepseek-chat");
    // Without a known host, the bare entry.
    assertThat(SHIPPED.find("deepseek-chat", Optional.empty()).map(Entry::key)).contains("deepseek-chat");
    // OpenAI's host prices OpenAI's models, including legacy completions models.
    Optional<String> openai = PriceTable.namespaceOf(URI.create("https://api.openai.com/v1"));
    assertThat(SHIPPED.find("gpt-4o-mini", openai).map(Entry::provider)).contains("openai");
    assertThat(SHIPPED.find("gpt-3.5-turbo-instruct", openai).map(Entry::provider)).contains("text-completion-openai");
    // Gemini through Google's OpenAI-compatible endpoint, by its bare name.
    Optional<String> gemini = PriceTable.namespaceOf(URI.create("https://generativelanguage.googleapis.com/v1beta/openai"));
    assertThat(SHIPPED.find("gemini-2.5-pro", gemini).map(Entry::key)).contains("gemini/gemini-2.5-pro");
    // A name the table lists only for another provider is not priced on this host.
    assertThat(SHIPPED.find("claude-sonnet-4-20250514", deepseek)).isEmpty();
    assertThat(PriceTable.namespaceOf(URI.create("http://127.0.0.1:8000/v1"))).isEmpty();
  }

  @Test
  void deepSeekCacheHitPricesFillTheCacheReadRate() {
    Rates r = SHIPPED.get("deepseek-chat").orElseThrow().price().rates();
    assertThat(r.input()).isEqualTo(usd("0.14"));
    assertThat(r.cachedInput()).isEqualTo(usd("0.014")); // input_cost_per_token_cache_hit 1.4e-08
    assertThat(r.cacheWrite()).isEqualTo(usd("0.14")); // no write price: writes cost what input costs
  }

  @Test
  void batchPricesBecomeFactorsAppliedToEveryRate() {
    TokenPrice gpt4o = SHIPPED.get("gpt-4o").orElseThrow().price();
    assertThat(gpt4o.batch()).contains(new TokenPrice.Batch(new BigDecimal("0.5"), new BigDecimal("0.5")));
    Rates batch = gpt4o.forBatch().orElseThrow().rates();
    assertThat(batch.input()).isEqualTo(usd("1.25"));
    assertThat(batch.cachedInput()).isEqualTo(usd("0.625"));
    assertThat(batch.output()).isEqualTo(usd("5.00"));
    assertThat(SHIPPED.get("claude-sonnet-4-20250514").orElseThrow().price().forBatch()).isEmpty();
  }

  @Test
  void longContextTiersKeepTheirOwnPricesOrScaleCachePricesWithInput() {
    TokenPrice claude = SHIPPED.get("claude-4-sonnet-20250514").orElseThrow().price();
    assertThat(claude.tiers()).hasSize(1);
    TokenPrice.Tier above = claude.tiers().getFirst();
    assertThat(above.aboveTokens()).isEqualTo(200_000);
    assertThat(above.rates()).isEqualTo(new Rates(usd("6"), usd("0.60"), usd("7.50"), usd("22.50"), usd("22.50")));
    assertThat(claude.ratesFor(200_000)).isEqualTo(claude.rates()); // "above 200k": 200,000 itself is not above
    assertThat(claude.ratesFor(200_001)).isEqualTo(above.rates());

    // Gemini 2.5 Pro lists no cache price above 200k: it doubles with the input price (0.3125 -> 0.625).
    Rates gemini = SHIPPED.get("gemini/gemini-2.5-pro").orElseThrow().price().ratesFor(300_000);
    assertThat(gemini).isEqualTo(new Rates(usd("2.50"), usd("0.625"), usd("2.50"), usd("15"), usd("15")));

    TokenPrice gemini15 = SHIPPED.get("gemini/gemini-1.5-pro").orElseThrow().price();
    assertThat(gemini15.tiers()).extracting(TokenPrice.Tier::aboveTokens).containsExactly(128_000L);
  }

  @Test
  void aDistinctReasoningPriceIsKept() {
    Rates r = SHIPPED.get("gemini/gemini-2.5-flash-preview-04-17").orElseThrow().price().rates();
    assertThat(r.output()).isEqualTo(usd("0.60"));
    assertThat(r.reasoning()).isEqualTo(usd("3.50"));
    assertThat(r.reasoningDiffers()).isTrue();
    assertThat(SHIPPED.get("o3-mini").orElseThrow().price().rates().reasoningDiffers()).isFalse();
  }

  @Test
  void entriesThatCannotPriceACallAreLeftOut() {
    PriceTable t = table("""
        {"img": {"mode": "image_generation", "input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06},
         "no-output": {"mode": "chat", "input_cost_per_token": 1e-06},
         "no-input": {"mode": "chat", "output_cost_per_token": 1e-06},
         "nulls": {"mode": "chat", "input_cost_per_token": null, "output_cost_per_token": null},
         "embed": {"mode": "embedding", "input_cost_per_token": 2e-08},
         "ok": {"mode": "chat", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06}}
        """);
    assertThat(t.keys()).containsExactlyInAnyOrder("embed", "ok");
    assertThat(t.get("embed").orElseThrow().price().rates().output()).isEqualTo(Money.ZERO);
    assertThat(t.snapshot()).isEmpty();
  }

  @Test
  void limitsComeFromMaxInputAndMaxOutputTokens() {
    Entry e = SHIPPED.get("gpt-4o").orElseThrow();
    assertThat(e.maxInputTokens()).hasValue(128_000);
    assertThat(e.maxOutputTokens()).hasValue(16_384);
    assertThat(e.mode()).isEqualTo("chat");
  }
}
