package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.config.GatewayConfig.CascadeConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code cascade:} key of a model: what it accepts, and the errors an operator gets. */
class CascadeConfigTest {
  private static final String MEMBERS = """
      models:
        - name: chat-small
          deployments: [{provider: openai, base_url: "http://127.0.0.1:9001/v1"}]
        - name: chat-large
          deployments: [{provider: openai, base_url: "http://127.0.0.1:9002/v1"}]
      """;

  private static GatewayConfig parse(String cascadeModel) {
    return new ConfigLoader(Map.<String, String>of()::get).parse("sluice.yaml", MEMBERS + cascadeModel);
  }

  private static List<String> problems(String cascadeModel) {
    try {
      parse(cascadeModel);
    } catch (ConfigException e) {
      return e.problems();
    }
    throw new AssertionError("expected a config error");
  }

  @Test
  void aConfidenceCascadeNamesItsTwoModelsAndItsMinimumLogprob() {
    GatewayConfig c = parse("""
          - name: chat
            cascade:
              cheap: chat-small
              strong: chat-large
              confidence: {min_logprob: -0.7}
        """);
    CascadeConfig cascade = c.model("chat").orElseThrow().cascade().orElseThrow();
    assertThat(cascade.cheap()).isEqualTo("chat-small");
    assertThat(cascade.strong()).isEqualTo("chat-large");
    assertThat(cascade.minLogprob()).contains(-0.7);
    assertThat(cascade.router()).isEmpty();
    assertThat(c.model("chat").orElseThrow().deployments()).isEmpty();
  }

  @Test
  void membersMustBeDeclaredModelsThatAreNotCascadesThemselves() {
    assertThat(problems("""
          - name: chat
            cascade:
              cheap: chat-tiny
              strong: chat
              confidence: {min_logprob: -0.7}
        """)).containsExactlyInAnyOrder(
        "line 8: 'models[2].cascade.cheap' is 'chat-tiny', which is not a declared model (declared: chat, chat-large, "
            + "chat-small)",
        "line 9: 'models[2].cascade.strong' names the cascade itself");
  }

  @Test
  void exactlyOnePolicyIsRequired() {
    assertThat(problems("""
          - name: chat
            cascade: {cheap: chat-small, strong: chat-large}
        """)).singleElement().asString()
        .startsWith("line 7: 'models[2].cascade' needs exactly one policy: 'router: FILE'");
    assertThat(problems("""
          - name: chat
            cascade:
              cheap: chat-small
              strong: chat-large
              router: /nonexistent/router.json
              confidence: {min_logprob: -0.7}
        """)).anySatisfy(p -> assertThat(p).startsWith("line 8: 'models[2].cascade' needs exactly one policy")
        .endsWith(", not both"))
        .anySatisfy(p -> assertThat(p).startsWith("line 10: 'models[2].cascade.router': cannot read the router file"));
  }

  @Test
  void aCascadeHasNoDeploymentsAndItsThresholdBelongsToARouter() {
    assertThat(problems("""
          - name: chat
            cascade:
              cheap: chat-small
              strong: chat-large
              confidence: {min_logprob: -0.7}
              threshold: 0.2
            deployments: [{provider: openai, base_url: "http://127.0.0.1:9003/v1"}]
        """)).containsExactlyInAnyOrder(
        "line 11: 'models[2].cascade.threshold' applies to a router; the confidence policy's threshold is its min_logprob",
        "line 12: 'models[2]' (chat) is a cascade: it has no 'deployments' of its own (its cheap and strong models have them)");
  }
}
