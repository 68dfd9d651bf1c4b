package dev.sluice.meter;

import static dev.sluice.meter.UsageTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.api.EncodingType;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.GatewayConfig.DeploymentConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import dev.sluice.config.GatewayConfig.ProviderKind;
import dev.sluice.meter.TokenEstimator.Estimate;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class TokenEstimatorTest {
  private static final TokenEstimator ESTIMATOR = new TokenEstimator(PriceResolver.shipped());
  private static final GatewayConfig CONFIG = new ConfigLoader(Map.<String, String>of()::get).parse("t.yaml", """
      models:
        - {name: gpt-4o, deployments: [{provider: openai}]}
        - {name: gpt-4, deployments: [{provider: openai}]}
        - {name: o3-mini, deployments: [{provider: openai}]}
        - {name: claude-sonnet-4-20250514, deployments: [{provider: anthropic}]}
        - name: gemini-2.5-pro
          deployments: [{provider: openai, base_url: "https://generativelanguage.googleapis.com/v1beta/openai"}]
        - name: llama
          deployments:
            - {id: vllm, provider: openai, base_url: "http://127.0.0.1:8000/v1", model: meta-llama/Llama-3.1-8B-Instruct}
            - {id: gpu, provider: openai, base_url: "http://127.0.0.1:8000/v1", model: meta-llama/Llama-3.1-8B-Instruct,
               cost_per_hour: 2}
            - {id: priced, provider: openai, base_url: "http://127.0.0.1:8000/v1", model: meta-llama/Llama-3.1-8B-Instruct,
               price: {input_per_mtok: 0.10, output_per_mtok: 0.20}}
      """);

  /** The example conversation of OpenAI's cookbook "How to count tokens with tiktoken". */
  private static final String COOKBOOK_MESSAGES = """
      [{"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
       {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
       {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
       {"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage."},
       {"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy about how to do better."},
       {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client deliverable."}]
      """;

  private static JsonNode request(String model, String extra) {
    return json("{\"model\": \"" + model + "\", \"messages\": " + COOKBOOK_MESSAGES + extra + "}");
  }

  private static Estimate estimate(String model, String deploymentId, JsonNode request) {
    ModelConfig m = CONFIG.model(model).orElseThrow();
    DeploymentConfig d = deploymentId == null
        ? m.deployments().getFirst()
        : m.deployments().stream().filter(x -> x.id().equals(deploymentId)).findFirst().orElseThrow();
    return ESTIMATOR.estimate(request, m, d, d.upstreamModelFor(model));
  }

  @Test
  void eachModelFamilyGetsItsTokenizer() {
    assertThat(TokenEstimator.encodingTypeFor("gpt-4o-mini")).isEqualTo(EncodingType.O200K_BASE);
    assertThat(TokenEstimator.encodingTypeFor("openai/gpt-4.1")).isEqualTo(EncodingType.O200K_BASE);
    assertThat(TokenEstimator.encodingTypeFor("o3-mini")).isEqualTo(EncodingType.O200K_BASE);
    assertThat(TokenEstimator.encodingTypeFor("gpt-5")).isEqualTo(EncodingType.O200K_BASE);
    assertThat(TokenEstimator.encodingTypeFor("gpt-4-0613")).isEqualTo(EncodingType.CL100K_BASE);
    assertThat(TokenEstimator.encodingTypeFor("gpt-3.5-turbo")).isEqualTo(EncodingType.CL100K_BASE);
    assertThat(TokenEstimator.encodingTypeFor("claude-sonnet-4-20250514")).isEqualTo(EncodingType.CL100K_BASE);
  }

  @Test
  void openAiModelsMatchTheCookbooksCounts() {
    // The cookbook reports 129 prompt tokens for gpt-4 (cl100k_base) and 124 for gpt-4o (o200k_base),
    // as counted by its function and by the API.
    assertThat(ESTIMATOR.promptTokens(request("gpt-4", ""), "gpt-4")).isEqualTo(129);
    assertThat(ESTIMATOR.promptTokens(request("gpt-4o", ""), "gpt-4o")).isEqualTo(124);
  }

  @Test
  void otherModelsAreCountedWithCl100kPlusAMargin() {
    // 129 with cl100k_base, plus 25% rounded up: 129 + 33 = 162.
    assertThat(ESTIMATOR.promptTokens(request("claude", ""), "claude-sonnet-4-20250514")).isEqualTo(162);
    assertThat(ESTIMATOR.promptTokens(request("llama", ""), "meta-llama/Llama-3.1-8B-Instruct")).isEqualTo(162);
  }

  @Test
  void toolsImagesAndToolCallsAddToThePrompt() {
    long plain = ESTIMATOR.promptTokens(request("gpt-4o", ""), "gpt-4o");
    long withTools = ESTIMATOR.promptTokens(request("gpt-4o", """
        , "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather in a city",
                     "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
        """), "gpt-4o");
    assertThat(withTools).isGreaterThan(plain + 20);

    JsonNode image = json("""
        {"messages": [{"role": "user", "content": [
          {"type": "text", "text": "What is in this image?"},
          {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"}}]}]}
        """);
    // 3 priming + 3 per message + "user" (1) + the text (6) + one image (1,600).
    assertThat(ESTIMATOR.promptTokens(image, "gpt-4o")).isEqualTo(3 + 3 + 1 + 6 + 1600);
  }

  @Test
  void outputIsTheClientsLimitCappedByTheModelsOrTheModelsOwn() {
    JsonNode none = json("{}");
    assertThat(TokenEstimator.outputTokens(json("{\"max_completion_tokens\": 500, \"max_tokens\": 900}"),
        OptionalLong.of(16_384), ProviderKind.OPENAI)).isEqualTo(500);
    assertThat(TokenEstimator.outputTokens(json("{\"max_tokens\": 900}"), OptionalLong.of(16_384), ProviderKind.OPENAI))
        .isEqualTo(900);
    assertThat(TokenEstimator.outputTokens(json("{\"max_tokens\": 100000}"), OptionalLong.of(16_384), ProviderKind.OPENAI))
        .isEqualTo(16_384);
    assertThat(TokenEstimator.outputTokens(none, OptionalLong.of(16_384), ProviderKind.OPENAI)).isEqualTo(16_384);
    assertThat(TokenEstimator.outputTokens(none, OptionalLong.empty(), ProviderKind.OPENAI))
        .isEqualTo(TokenEstimator.DEFAULT_MAX_OUTPUT_TOKENS);
    assertThat(TokenEstimator.outputTokens(none, OptionalLong.of(64_000), ProviderKind.ANTHROPIC)).isEqualTo(4096);
    assertThat(TokenEstimator.outputTokens(json("{\"max_tokens\": 300, \"n\": 3}"), OptionalLong.empty(), ProviderKind.OPENAI))
        .isEqualTo(900);
  }

  @Test
  void theWorstCaseCostPricesThePromptAndEveryPossibleOutputToken() {
    // gpt-4o: 124 prompt tokens × 2.50 = 310 µ$; 1,000 output × 10 = 10,000 µ$; total 10,310 µ$.
    Estimate e = estimate("gpt-4o", null, request("gpt-4o", ", \"max_completion_tokens\": 1000"));
    assertThat(e.promptTokens()).isEqualTo(124);
    assertThat(e.outputTokens()).isEqualTo(1000);
    assertThat(e.worstCaseCost()).contains(Money.parse("0.01031"));

    // o3-mini with no limit: the model's 100,000 output tokens × 4.40 = $0.44, plus 124 × 1.10 = 136.4 µ$.
    Estimate reasoning = estimate("o3-mini", null, request("o3-mini", ""));
    assertThat(reasoning.outputTokens()).isEqualTo(100_000);
    assertThat(reasoning.worstCaseCost()).contains(Money.parse("0.4401364"));
  }

  @Test
  void aRequestThatMayWriteTheCachePricesItsPromptAtTheWriteRate() {
    // claude-sonnet-4: 162 prompt tokens; Sluice sends max_tokens 4096 when the client sets none.
    // Without cache_control: 162 × 3 = 486 µ$ + 4,096 × 15 = 61,440 µ$ = 61,926 µ$.
    assertThat(estimate("claude-sonnet-4-20250514", null, request("claude", "")).worstCaseCost())
        .contains(Money.parse("0.061926"));
    // With cache_control somewhere, the prompt might all be written to the cache at 3.75:
    // the system text is longer by nothing (cache_control is not text), so 162 × 3.75 = 607.5 µ$ + 61,440 µ$.
    ObjectNode cached = request("claude", "").deepCopy();
    ((ObjectNode) cached.get("messages").get(0)).putObject("cache_control").put("type", "ephemeral");
    assertThat(estimate("claude-sonnet-4-20250514", null, cached).worstCaseCost()).contains(Money.parse("0.0620475"));
  }

  @Test
  void aPromptPastATierIsEstimatedAtTheTier() {
    // " a" is one cl100k token: 170,000 of them, plus formatting (3 + 3 + 1 for "user") = 170,007,
    // plus 25% rounded up (42,502) = 212,509 > 200,000: Gemini 2.5 Pro's tier, 2.50 input / 15 output.
    // 212,509 × 2.50 = 531,272.5 µ$; 1,000 × 15 = 15,000 µ$; total 546,272.5 µ$.
    JsonNode longPrompt = json("{\"max_tokens\": 1000, \"messages\": [{\"role\": \"user\", \"content\": \""
        + " a".repeat(170_000) + "\"}]}");
    Estimate e = estimate("gemini-2.5-pro", null, longPrompt);
    assertThat(e.promptTokens()).isEqualTo(212_509);
    assertThat(e.worstCaseCost()).contains(Money.parse("0.5462725"));
  }

  @Test
  void noCostIsGuessedForHourlyOrUnpricedDeployments() {
    Estimate unpriced = estimate("llama", "vllm", request("llama", ", \"max_tokens\": 200"));
    assertThat(unpriced.promptTokens()).isEqualTo(162);
    assertThat(unpriced.outputTokens()).isEqualTo(200);
    assertThat(unpriced.worstCaseCost()).isEmpty();
    assertThat(estimate("llama", "gpu", request("llama", "")).worstCaseCost()).isEmpty();
    // With a config price: 162 × 0.10 = 16.2 µ$; 4,096 (no table entry, no limit) × 0.20 = 819.2 µ$.
    assertThat(estimate("llama", "priced", request("llama", "")).worstCaseCost()).contains(Money.parse("0.0008354"));
  }

  @Test
  void theBoundWithoutTokenizerIsNeverBelowTheExactEstimate() {
    String tools = ", \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"search\", \"parameters\": {}}}]";
    JsonNode[] requests = {
        request("any", ", \"max_tokens\": 100"),
        request("any", tools),
        json("{\"messages\": [{\"role\": \"user\", \"content\": \"日本語のテキスト、絵文字 🙂🚀 と ümlauts\"},"
            + " {\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"c1\", \"type\": \"function\","
            + " \"function\": {\"name\": \"f\", \"arguments\": \"{\\\"q\\\": 1}\"}}]},"
            + " {\"role\": \"tool\", \"tool_call_id\": \"c1\", \"content\": [{\"type\": \"text\", \"text\": \"ok\"},"
            + " {\"type\": \"image_url\", \"image_url\": {\"url\": \"data:x\"}}]}]}"),
        json("{\"max_tokens\": 10, \"messages\": [{\"role\": \"user\", \"content\": \"" + " a".repeat(90_000) + "\"}]}")};
    for (String model : new String[] {"gpt-4o", "gpt-4", "claude-sonnet-4-20250514", "gemini-2.5-pro", "llama"}) {
      ModelConfig m = CONFIG.model(model).orElseThrow();
      for (DeploymentConfig d : m.deployments()) {
        for (JsonNode r : requests) {
          Estimate exact = ESTIMATOR.estimate(r, m, d, d.upstreamModelFor(model));
          Estimate bound = ESTIMATOR.bound(r, m, d, d.upstreamModelFor(model));
          assertThat(bound.promptTokens()).as(model).isGreaterThanOrEqualTo(exact.promptTokens());
          assertThat(bound.outputTokens()).isEqualTo(exact.outputTokens());
          assertThat(bound.worstCaseCost().isPresent()).isEqualTo(exact.worstCaseCost().isPresent());
          exact.worstCaseCost().ifPresent(c -> assertThat(bound.worstCaseCost().get()).as(model).isGreaterThanOrEqualTo(c));
        }
      }
    }
    // 90,000 " a" are 90,000 tokens but 180,000 characters: with the margin the bound passes Gemini's
    // 200,000-token tier while the exact count does not, and the bound is priced at the tier.
    Estimate exact = estimate("gemini-2.5-pro", null, requests[3]);
    Estimate bound = ESTIMATOR.bound(requests[3], CONFIG.model("gemini-2.5-pro").orElseThrow(),
        CONFIG.model("gemini-2.5-pro").orElseThrow().deployments().getFirst(), "gemini-2.5-pro");
    assertThat(exact.promptTokens()).isLessThan(200_000);
    assertThat(bound.promptTokens()).isGreaterThan(200_000);
  }

  @Test
  void theCompactFormOfJsonIsBoundedWithoutWritingIt() {
    for (String json : new String[] {"[]", "{}", "\"\"", "1.5e300", "[true,false,null,-12]",
        "{\"q\":\"caf\u00e9 \\n\\u0001 \\\"x\\\" \ud83d\ude42\",\"n\":{\"k\":[1,{\"\u00fc\":\"\"}]}}"}) {
      JsonNode n = json(json);
      assertThat(TokenEstimator.compactBytesBound(n)).as(json)
          .isGreaterThanOrEqualTo(n.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }
  }

}
