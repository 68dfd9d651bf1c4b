package dev.sluice.meter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.GatewayConfig.DeploymentConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import dev.sluice.meter.TokenPrice.Rates;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PriceResolverTest {
  private static final PriceResolver RESOLVER = PriceResolver.shipped();

  private static GatewayConfig config(String yaml) {
    return new ConfigLoader(Map.<String, String>of()::get).parse("test.yaml", yaml);
  }

  private static Price price(GatewayConfig c, String model, int deployment, String requested) {
    ModelConfig m = c.model(requested).orElseThrow();
    DeploymentConfig d = m.deployments().get(deployment);
    return RESOLVER.price(m, d, d.upstreamModelFor(requested));
  }

  @Test
  void costPerHourOnTheDeploymentWinsOverEveryTokenPrice() {
    GatewayConfig c = config("""
        models:
          - name: gpt-4o
            price: {input_per_mtok: 1, output_per_mtok: 2}
            deployments:
              - {provider: openai, cost_per_hour: 2.50}
              - {provider: openai}
        """);
    assertThat(price(c, "gpt-4o", 0, "gpt-4o")).isEqualTo(new Price.PerHour(Money.parse("2.50")));
    assertThat(price(c, "gpt-4o", 1, "gpt-4o")).isInstanceOfSatisfying(Price.PerToken.class,
        p -> assertThat(p.source()).isEqualTo(Price.Source.MODEL));
  }

  @Test
  void aPatternModelsPriceAppliesToEveryNameItServes() {
    GatewayConfig c = config("""
        models:
          - name: "*"
            price: {input_per_mtok: 0.20, output_per_mtok: 0.20}
            deployments: [{provider: openai, base_url: "http://127.0.0.1:8000/v1"}]
        """);
    Price p = price(c, "*", 0, "qwen2.5-7b-instruct");
    assertThat(p).isEqualTo(new Price.PerToken(TokenPrice.flat(Rates.of(Money.parse("0.20"), Money.parse("0.20"))),
        Price.Source.MODEL, Optional.empty()));
  }

  @Test
  void aModelOnAPatternIsLookedUpByTheNameTheClientSent() {
    GatewayConfig c = config("""
        models:
          - name: gpt-*
            deployments: [{provider: openai}]
        """);
    assertThat(price(c, "gpt-*", 0, "gpt-4.1-nano")).isInstanceOfSatisfying(Price.PerToken.class, p -> {
      // On OpenAI's host the namespaced key is tried first (tokencost keeps an identical copy of each).
      assertThat(p.tableKey()).contains("openai/gpt-4.1-nano");
      assertThat(p.price().rates().cachedInput()).isEqualTo(Money.parse("0.025"));
    });
  }

  @Test
  void anAnthropicDeploymentFindsOnlyAnthropicEntries() {
    GatewayConfig c = config("""
        models:
          - name: claude
            deployments: [{provider: anthropic, base_url: "http://127.0.0.1:9999", model: claude-3-5-haiku-20241022}]
          - name: llama
            deployments: [{provider: anthropic, model: "groq/llama-3.1-8b-instant"}]
        """);
    assertThat(price(c, "claude", 0, "claude")).isInstanceOf(Price.PerToken.class);
    assertThat(price(c, "llama", 0, "llama")).isEqualTo(new Price.Unpriced("groq/llama-3.1-8b-instant"));
  }

  @Test
  void theInProcessModelIsFreeUnlessTheConfigPricesIt() {
    GatewayConfig c = config("""
        models:
          - name: all-minilm-l6-v2
            deployments:
              - {provider: local}
              - {provider: local, cost_per_hour: 0.10}
        """);
    assertThat(price(c, "all-minilm-l6-v2", 0, "all-minilm-l6-v2")).isInstanceOfSatisfying(Price.PerToken.class,
        p -> assertThat(p.source()).isEqualTo(Price.Source.IN_PROCESS));
    assertThat(price(c, "all-minilm-l6-v2", 1, "all-minilm-l6-v2")).isEqualTo(new Price.PerHour(Money.parse("0.10")));
  }

  @Test
  void theTableEntryGivesLimitsWhateverTheConfigPrice() {
    GatewayConfig c = config("""
        models:
          - name: gpt-4o
            price: {input_per_mtok: 1, output_per_mtok: 2}
            deployments: [{provider: openai}]
        """);
    DeploymentConfig d = c.model("gpt-4o").orElseThrow().deployments().getFirst();
    assertThat(RESOLVER.tableEntry(d, "gpt-4o").orElseThrow().maxOutputTokens()).hasValue(16_384);
  }
}
