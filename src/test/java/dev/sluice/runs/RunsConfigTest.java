package dev.sluice.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@code runs:} section of the config: defaults, every key, and errors that name the key and line. */
class RunsConfigTest {
  static final String MODELS = """
      models:
        - name: m
          deployments: [{provider: openai, base_url: "http://127.0.0.1:9"}]
      """;

  static GatewayConfig parse(String yaml) {
    return new ConfigLoader(name -> null).parse("test.yaml", yaml);
  }

  @Test
  void withoutARunsSectionTheDocumentedDefaultsApply() {
    assertThat(parse(MODELS).runs()).isEqualTo(new RunsConfig(new RunPolicy(200, 2_000_000, 10_000_000_000L,
        Duration.ofHours(1), 4, RunPolicy.LoopVerdict.STOP, 3), RunsConfig.LoopSimilarity.LEXICAL));
  }

  @Test
  void everyKeyIsRead() {
    RunsConfig p = parse("""
        runs:
          max_calls: 50
          max_tokens: 100000
          max_cost_usd: 2.50
          max_wall_time: 15m
          max_depth: 2
          loops:
            verdict: slow
            repeat_threshold: 4
            similarity: minilm
        """ + MODELS).runs();

    assertThat(p).isEqualTo(new RunsConfig(new RunPolicy(50, 100_000, 2_500_000_000L, Duration.ofMinutes(15), 2,
        RunPolicy.LoopVerdict.SLOW, 4), RunsConfig.LoopSimilarity.MINILM));
    assertThat(parse("runs: {loops: {similarity: off}}\n" + MODELS).runs().similarity())
        .isEqualTo(RunsConfig.LoopSimilarity.OFF);
  }

  @Test
  void unknownKeysAndBadValuesAreErrorsNamingTheKeyAndLine() {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse("""
        runs:
          max_calls: many
          max_depht: 2
          loops: {verdict: panic, similarity: bert}
        """ + MODELS));

    assertThat(e.problems()).anySatisfy(p -> assertThat(p).contains("line 2").contains("runs.max_calls"))
        .anySatisfy(p -> assertThat(p).contains("line 3").contains("runs.max_depht"))
        .anySatisfy(p -> assertThat(p).contains("runs.loops.verdict").contains("warn, slow, stop"))
        .anySatisfy(p -> assertThat(p).contains("runs.loops.similarity").contains("minilm, lexical, off"));
  }
}
