package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.GatewayConfig.DeploymentConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import dev.sluice.config.GatewayConfig.PriceOverride;
import dev.sluice.config.GatewayConfig.ProviderKind;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

  static final String EXAMPLE = """
      listen: 127.0.0.1:8080
      admin_key: ${SLUICE_ADMIN_KEY}
      models:
        - name: chat-small                  # what clients send as "model"
          deployments:
            - provider: openai              # any OpenAI-compatible server
              base_url: http://127.0.0.1:9001/v1
              api_key: ${UPSTREAM_KEY:-none}
              model: llama-3-8b             # model name upstream
              weight: 1
            - id: spare
              provider: openai
              base_url: http://127.0.0.1:9002/v1
              model: llama-3-8b
              pool: cpu
          fallbacks: [chat-large]
        - name: chat-large
          deployments:
            - provider: anthropic
              base_url: https://api.anthropic.com
              api_key: ${ANTHROPIC_API_KEY:-}
              model: claude-sonnet-4-20250514
              pool: api
        - name: llama-70b
          deployments:
            - provider: openai              # a vLLM server on our own GPUs
              base_url: http://10.0.0.5:8000/v1
              model: meta-llama/Llama-3.3-70B-Instruct
              cost_per_hour: 3.99           # shared by the requests in flight; idle time reported apart
        - name: all-minilm-l6-v2
          deployments:
            - provider: local
      """;

  /** The least a valid file holds: one model with one deployment. */
  private static final String ONE_MODEL = """
      models:
        - name: m
          deployments:
            - {provider: openai, base_url: "http://127.0.0.1:9/v1"}
      """;

  private static GatewayConfig parse(String yaml, Map<String, String> env) {
    return new ConfigLoader(env::get).parse("sluice.yaml", yaml);
  }

  private static ConfigException problems(String yaml, Map<String, String> env) {
    try {
      parse(yaml, env);
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected a config error");
  }

  @Test
  void theDocumentedExampleLoadsAsWritten() {
    GatewayConfig c = parse(EXAMPLE, Map.of("SLUICE_ADMIN_KEY", "admin-secret"));

    assertThat(c.listen()).isEqualTo(new GatewayConfig.Listen("127.0.0.1", 8080));
    assertThat(c.adminKey()).map(Secret::reveal).contains("admin-secret");
    ModelConfig small = c.model("chat-small").orElseThrow();
    assertThat(small.deployments()).extracting(DeploymentConfig::id).containsExactly("openai-1", "spare");
    DeploymentConfig first = small.deployments().get(0);
    assertThat(first.apiKey().reveal()).isEqualTo("none");
    assertThat(first.upstreamModelFor("chat-small")).isEqualTo("llama-3-8b");
    assertThat(first.pool()).isEqualTo("default");
    assertThat(small.deployments().get(1).pool()).isEqualTo("cpu");
    assertThat(small.fallbacks()).containsExactly("chat-large");
    DeploymentConfig claude = c.model("chat-large").orElseThrow().deployments().getFirst();
    assertThat(claude.provider()).isEqualTo(ProviderKind.ANTHROPIC);
    assertThat(claude.id()).isEqualTo("anthropic-1");
    assertThat(claude.apiKey().isEmpty()).isTrue();
    assertThat(c.model("llama-70b").orElseThrow().deployments().getFirst().costPerHour())
        .contains(new BigDecimal("3.99"));
    DeploymentConfig local = c.model("all-minilm-l6-v2").orElseThrow().deployments().getFirst();
    assertThat(local.provider()).isEqualTo(ProviderKind.LOCAL);
    assertThat(local.pool()).isEqualTo("cpu");
  }

  @Test
  void declaredKeysAreDistinctByNameWithinATenantAndFromTheAdminKey() {
    String yaml = """
        admin_key: ${ADMIN}
        tenants:
          - name: acme
            keys:
              - {name: ci, key: "${CI_1}"}
              - {name: ci, key: "${CI_2}"}
          - name: beta
            keys:
              - {name: ci, key: "${BETA}"}
              - {name: ops, key: "${ADMIN}"}
        models:
          - name: m
            deployments:
              - {provider: openai, base_url: "http://127.0.0.1:9/v1"}
        """;

    ConfigException e = problems(yaml, Map.of("ADMIN", "admin-secret-0123456789", "CI_1", "acme-secret-0123456789",
        "CI_2", "acme-secret-9876543210", "BETA", "beta-secret-0123456789"));

    assertThat(e.problems()).containsExactlyInAnyOrder(
        "tenant 'acme' declares two keys named 'ci' (a key's name is its id in usage, budgets and rate limits: cfg_acme_ci)",
        "tenant 'beta' key 'ops' uses the admin key as its secret");
    assertThat(e.getMessage()).doesNotContain("secret-");
  }

  @Test
  void eventLoopsSpinFiftyMicrosecondsUnlessToldOtherwise() {
    String models = ONE_MODEL;

    assertThat(parse(models, Map.of()).eventLoopSpin()).isEqualTo(Duration.ofNanos(50_000));
    assertThat(parse("event_loop_spin: 120us\n" + models, Map.of()).eventLoopSpin()).isEqualTo(Duration.ofNanos(120_000));
    assertThat(parse("event_loop_spin: 1ms\n" + models, Map.of()).eventLoopSpin()).isEqualTo(Duration.ofMillis(1));
    assertThat(parse("event_loop_spin: off\n" + models, Map.of()).eventLoopSpin()).isZero();
    assertThat(parse("event_loop_spin: 0\n" + models, Map.of()).eventLoopSpin()).isZero();
  }

  @Test
  void anEventLoopSpinBeyondOneMillisecondIsRefused() {
    String yaml = "event_loop_spin: 5ms\n" + ONE_MODEL;

    ConfigException e = problems(yaml, Map.of());

    assertThat(e.problems()).singleElement().asString()
        .contains("'event_loop_spin' must be a duration from 0 to 1ms").contains("'5ms'");
    assertThat(problems(yaml.replace("5ms", "fast"), Map.of()).problems()).singleElement().asString()
        .contains("'event_loop_spin'").contains("'fast'");
    assertThat(problems(yaml.replace("5ms", "99999999999999999999us"), Map.of()).problems()).singleElement()
        .asString().contains("'event_loop_spin'");
  }

  @Test
  void microsecondsAreForTheEventLoopSpinOnlyNotForTimeouts() {
    String yaml = "timeouts:\n  connect: 500us\n" + ONE_MODEL;

    ConfigException e = problems(yaml, Map.of());

    assertThat(e.problems()).singleElement().asString().contains("'timeouts.connect' must be a duration").contains("500us");
  }

  @Test
  void anUnsetVariableIsAnErrorNamingIt() {
    ConfigException e = problems(EXAMPLE, Map.of());

    assertThat(e.problems()).singleElement().asString()
        .startsWith("line 2:").contains("SLUICE_ADMIN_KEY").contains("not set");
  }

  @Test
  void anUnknownKeyIsAnErrorWithItsLineAndASuggestion() {
    String yaml = """
        models:
          - name: m
            deployments:
              - provider: openai
                base_url: http://127.0.0.1:1/v1
                wieght: 3
        """;

    ConfigException e = problems(yaml, Map.of());

    assertThat(e.problems()).singleElement().asString()
        .isEqualTo("line 6: unknown key 'models[0].deployments[0].wieght' (did you mean 'weight'?)");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    String yaml = """
        listen: 0.0.0.0:8080
        timeouts: {connect: soon}
        models:
          - name: m
            deployments:
              - provider: grpc
            fallbacks: [nowhere]
        """;

    ConfigException e = problems(yaml, Map.of());

    assertThat(e.problems()).hasSize(4);
    assertThat(e.getMessage())
        .contains("line 2: 'timeouts.connect' must be a duration")
        .contains("line 6: 'models[0].deployments[0].provider' must be one of openai, anthropic, local, got 'grpc'")
        .contains("beyond loopback, but no 'admin_key' is set")
        .contains("falls back to 'nowhere', which is not a declared model");
  }

  @Test
  void variablesFallBackToTheirDefaultAndAnEmptyKeyMeansNoKey() {
    String yaml = """
        listen: ${HOST:-127.0.0.1}:${PORT:-9999}
        models:
          - name: m
            deployments:
              - provider: openai
                base_url: ${URL:-http://127.0.0.1:1/v1}
                api_key: ${KEY:-}
                timeouts: {first_byte: 2s, idle: 500ms}
        """;

    GatewayConfig c = parse(yaml, Map.of("PORT", "7000"));

    assertThat(c.listen().port()).isEqualTo(7000);
    DeploymentConfig d = c.models().getFirst().deployments().getFirst();
    assertThat(d.apiKey().isEmpty()).isTrue();
    assertThat(d.timeouts().firstByte()).isEqualTo(Duration.ofSeconds(2));
    assertThat(d.timeouts().idle()).isEqualTo(Duration.ofMillis(500));
    assertThat(d.timeouts().connect()).isEqualTo(GatewayConfig.Timeouts.DEFAULT.connect());
  }

  @Test
  void secretsNeverShowInToString() {
    GatewayConfig c = parse(EXAMPLE, Map.of("SLUICE_ADMIN_KEY", "admin-secret", "UPSTREAM_KEY", "up-secret"));

    assertThat(c.toString()).doesNotContain("admin-secret").doesNotContain("up-secret").contains("***");
  }

  @Test
  void duplicateIdsAndModelsAreErrors() {
    String yaml = """
        models:
          - name: m
            deployments:
              - {id: x, provider: openai}
              - {id: x, provider: openai}
          - name: m
            deployments:
              - provider: openai
        """;

    assertThat(problems(yaml, Map.of()).problems())
        .anySatisfy(p -> assertThat(p).contains("deployment id 'x' is used twice"))
        .anySatisfy(p -> assertThat(p).contains("model 'm' is declared twice"));
  }

  @Test
  void patternsMatchByPrefixAndExactNamesWin() {
    String yaml = """
        models:
          - name: gpt-*
            deployments: [{provider: openai}]
          - name: gpt-4o
            deployments: [{provider: openai, id: exact}]
        """;
    GatewayConfig c = parse(yaml, Map.of());

    assertThat(c.model("gpt-4o").orElseThrow().name()).isEqualTo("gpt-4o");
    assertThat(c.model("gpt-4.1-mini").orElseThrow().name()).isEqualTo("gpt-*");
    assertThat(c.model("claude-3").isPresent()).isFalse();
  }

  @Test
  void notYamlIsAClearError() {
    assertThat(problems("models: [\n  - oops", Map.of()).getMessage()).contains("not valid YAML");
    assertThat(problems("", Map.of()).getMessage()).contains("empty");
    assertThat(problems("listen: 127.0.0.1:1\n", Map.of()).getMessage()).contains("missing required key 'models'");
  }

  @Test
  void environmentConfigFindsEachBackend() {
    Map<String, String> env = new HashMap<>();
    env.put("OPENAI_API_KEY", "sk-test");
    env.put("SLUICE_OPENAI_COMPATIBLE_URL", "http://127.0.0.1:8000/v1/");
    EnvironmentConfig.Result r = EnvironmentConfig.build(env::get);

    assertThat(r.config().model("gpt-4o-mini").orElseThrow().deployments().getFirst().baseUrl())
        .hasToString("https://api.openai.com/v1");
    assertThat(r.config().model("llama3").orElseThrow().deployments().getFirst().baseUrl())
        .hasToString("http://127.0.0.1:8000/v1");
    assertThat(r.config().model("claude-sonnet-4").orElseThrow().name()).isEqualTo("*");
    assertThat(r.config().model("all-minilm-l6-v2").orElseThrow().deployments().getFirst().provider())
        .isEqualTo(ProviderKind.LOCAL);
    assertThat(r.findings()).anyMatch(f -> f.startsWith("OPENAI_API_KEY is set"))
        .anyMatch(f -> f.startsWith("ANTHROPIC_API_KEY is not set"))
        .noneMatch(f -> f.contains("sk-test"));
  }

  @Test
  void pricesAreReadAsExactDecimalsOnModelsAndDeployments() {
    String yaml = """
        models:
          - name: chat
            price: {input_per_mtok: 1.00, cached_input_per_mtok: 0.10, cache_write_per_mtok: 1.25,
                    output_per_mtok: 2.00, batch_discount: 0.5}
            deployments:
              - provider: openai
              - id: own-price
                provider: openai
                price:
                  input_per_mtok: 0.15
                  output_per_mtok: 0.6
              - id: gpu
                provider: openai
                base_url: http://10.0.0.5:8000/v1
                cost_per_hour: 3.99
        """;
    ModelConfig chat = parse(yaml, Map.of()).model("chat").orElseThrow();

    assertThat(chat.price()).contains(new PriceOverride(new BigDecimal("1.00"), new BigDecimal("0.10"),
        new BigDecimal("1.25"), new BigDecimal("2.00"), new BigDecimal("0.5")));
    DeploymentConfig plain = chat.deployments().get(0);
    assertThat(plain.price()).isEmpty();
    assertThat(plain.costPerHour()).isEmpty();
    // Unset cache prices default to the input price; no batch discount unless written.
    assertThat(chat.deployments().get(1).price()).contains(new PriceOverride(new BigDecimal("0.15"),
        new BigDecimal("0.15"), new BigDecimal("0.15"), new BigDecimal("0.6"), BigDecimal.ZERO));
    assertThat(chat.deployments().get(2).costPerHour()).contains(new BigDecimal("3.99"));
  }

  @Test
  void priceMistakesAreReportedWithTheirLines() {
    String yaml = """
        models:
          - name: chat
            price: {input_per_mtok: 1.00, output_per_mtok: -2, batch_discount: 1.5, reasoning_per_mtok: 3}
            deployments:
              - provider: openai
                price: {output_per_mtok: 2.00}
              - provider: openai
                cost_per_hour: 3.99
                price: {input_per_mtok: 1, output_per_mtok: 2}
              - provider: openai
                cost_per_hour: a lot
          - name: other
            cost_per_hour: 1
            deployments: [{provider: openai}]
        """;

    assertThat(problems(yaml, Map.of()).problems())
        .anySatisfy(p -> assertThat(p).startsWith("line 3: ").contains("'models[0].price.output_per_mtok' is -2"))
        .anySatisfy(p -> assertThat(p).startsWith("line 3: ").contains("'models[0].price.batch_discount' is 1.5"))
        .anySatisfy(p -> assertThat(p).startsWith("line 3: ").contains("unknown key 'models[0].price.reasoning_per_mtok'"))
        .anySatisfy(p -> assertThat(p).startsWith("line 6: ").contains("'models[0].deployments[0].price' needs 'input_per_mtok'"))
        .anySatisfy(p -> assertThat(p).startsWith("line 8: ").contains("sets both 'price' (per token) and 'cost_per_hour'"))
        .anySatisfy(p -> assertThat(p).contains("'models[0].deployments[2].cost_per_hour' must be a number, got 'a lot'"))
        .anySatisfy(p -> assertThat(p).startsWith("line 13: ").contains("unknown key 'models[1].cost_per_hour'"));
  }
}
