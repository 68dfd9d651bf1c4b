package dev.sluice.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.cache.CachePolicy.Decision;
import dev.sluice.config.GatewayConfig.CacheConfig;
import dev.sluice.config.GatewayConfig.ExactCache;
import dev.sluice.error.GatewayException;
import dev.sluice.pipeline.Operation;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The pure parts of the exact cache: who may use it, and what makes two requests the same. */
class CacheDecisionTest {

  static ObjectNode json(String text) {
    return (ObjectNode) dev.sluice.testing.TestGateway.parse(text);
  }

  static CacheConfig mode(String exact) {
    return new CacheConfig(ExactCache.valueOf(exact.toUpperCase()), Duration.ofHours(1), Optional.empty());
  }

  @ParameterizedTest(name = "exact={0}, header={1}, body={2} -> {3}")
  @CsvSource(delimiter = '|', value = {
      "auto   | -       | {\"temperature\":0}          | READ_WRITE",
      "auto   | -       | {\"temperature\":0.0}        | READ_WRITE",
      "auto   | -       | {\"seed\":42}                | READ_WRITE",
      "auto   | -       | {\"temperature\":0.7}        | OFF",
      "auto   | -       | {}                           | OFF",
      "always | -       | {\"temperature\":0.7}        | READ_WRITE",
      "off    | -       | {\"temperature\":0}          | OFF",
      "off    | on      | {\"temperature\":0.7}        | READ_WRITE",
      "auto   | off     | {\"temperature\":0}          | OFF",
      "auto   | refresh | {\"temperature\":0.7}        | REFRESH",
      "always | ON      | {}                           | READ_WRITE",
  })
  void theModelsModeAndTheRequestHeaderDecide(String exact, String header, String body, Decision expected) {
    assertThat(CachePolicy.decide(header.equals("-") ? null : header, mode(exact), Operation.CHAT_COMPLETIONS, json(body)))
        .isEqualTo(expected);
  }

  @Test
  void embeddingsAreReproducible() {
    assertThat(CachePolicy.decide(null, mode("auto"), Operation.EMBEDDINGS, json("{\"input\":\"x\"}")))
        .isEqualTo(Decision.READ_WRITE);
  }

  @Test
  void anUnknownHeaderValueIsRefused() {
    assertThatThrownBy(() -> CachePolicy.decide("sometimes", mode("auto"), Operation.CHAT_COMPLETIONS, json("{}")))
        .isInstanceOf(GatewayException.class).hasMessageContaining("on, off or refresh");
  }

  static CacheKey key(String scope, boolean stream, String body) {
    return CacheKey.of(CacheKey.tenantOf(scope), scope, Operation.CHAT_COMPLETIONS, "m", stream, json(body));
  }

  @Test
  void theKeyIgnoresKeyOrderWhitespaceNumberSpellingAndFieldsThatDoNotChangeTheAnswer() {
    String a = "{\"model\":\"m\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"b\":1,\"a\":2}}}]}";
    String b = "{ \"tools\": [ {\"function\": {\"parameters\": {\"a\": 2.0, \"b\": 1}, \"name\": \"f\"}, \"type\": \"function\"} ],"
        + "\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}], \"temperature\": 0.00, \"model\": \"m\","
        + "\"user\":\"u-1\", \"metadata\":{\"x\":\"y\"}, \"stream_options\":{\"include_usage\":true}, \"store\":true}";
    assertThat(key("acme/k1", false, a)).isEqualTo(key("acme/k1", false, b));
  }

  @Test
  void theKeyChangesWithAnythingThatChangesTheAnswerAndWithTheScope() {
    String base = "{\"model\":\"m\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    CacheKey k = key("acme/k1", false, base);
    assertThat(key("acme/k2", false, base)).isNotEqualTo(k);
    assertThat(key("beta/k1", false, base)).isNotEqualTo(k);
    assertThat(key("acme/k1", true, base)).isNotEqualTo(k);
    assertThat(key("acme/k1", false, base.replace("\"hi\"", "\"hi!\""))).isNotEqualTo(k);
    assertThat(key("acme/k1", false, base.replace("\"temperature\":0", "\"temperature\":0,\"max_tokens\":9"))).isNotEqualTo(k);
    assertThat(key("acme/k1", false, base.replace("\"role\":\"user\"", "\"role\":\"system\""))).isNotEqualTo(k);
    // strings that only concatenate alike do not collide
    assertThat(key("acme/k1", false, "{\"a\":\"bc\",\"d\":\"\"}")).isNotEqualTo(key("acme/k1", false, "{\"a\":\"b\",\"d\":\"c\"}"));
  }
}
