package dev.sluice.meter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UsageTest {

  static JsonNode json(String text) {
    try {
      return Json.MAPPER.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Optional<Usage> usage(String usageObject) {
    return Usage.fromUsage(json(usageObject));
  }

  @Test
  void cachedTokensArePartOfThePromptNotAddedToIt() {
    assertThat(usage("""
        {"prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
         "prompt_tokens_details": {"cached_tokens": 1920}}
        """)).contains(new Usage(86, 1920, 0, 300, 0));
  }

  @Test
  void anthropicCacheWritesAsSluiceMapsThemArePartOfThePromptToo() {
    // AnthropicCodec.usage(21, 393, 0, 188086)
    assertThat(usage("""
        {"prompt_tokens": 188107, "completion_tokens": 393, "total_tokens": 188500,
         "prompt_tokens_details": {"cached_tokens": 0},
         "cache_read_input_tokens": 0, "cache_creation_input_tokens": 188086}
        """)).contains(new Usage(21, 0, 188086, 393, 0));
  }

  @Test
  void cacheCountsBesideThePromptAreTakenAsAdditional() {
    // An upstream that kept Anthropic's convention: prompt_tokens is only the uncached part.
    assertThat(usage("""
        {"prompt_tokens": 21, "completion_tokens": 393,
         "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 188086}
        """)).contains(new Usage(21, 1000, 188086, 393, 0));
  }

  @Test
  void reasoningTokensAreOutputAndRecordedAsTheirPart() {
    Usage u = usage("""
        {"prompt_tokens": 400, "completion_tokens": 600, "total_tokens": 1000,
         "completion_tokens_details": {"reasoning_tokens": 500}}
        """).orElseThrow();
    assertThat(u).isEqualTo(new Usage(400, 0, 0, 600, 500));
    assertThat(u.totalTokens()).isEqualTo(1000);
  }

  @Test
  void deepSeekCacheHitsStandInForCachedTokens() {
    assertThat(usage("""
        {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100,
         "prompt_cache_hit_tokens": 800, "prompt_cache_miss_tokens": 200}
        """)).contains(new Usage(200, 800, 0, 100, 0));
  }

  @Test
  void anEmbeddingsUsageHasNoCompletion() {
    assertThat(usage("{\"prompt_tokens\": 8, \"total_tokens\": 8}")).contains(Usage.of(8, 0));
  }

  @Test
  void missingUsageIsUnknownNotZero() {
    assertThat(Usage.fromResponse(json("{\"choices\": [{\"delta\": {\"content\": \"Hi\"}}]}"))).isEmpty();
    assertThat(Usage.fromResponse(json("{\"choices\": [], \"usage\": null}"))).isEmpty();
    assertThat(Usage.fromResponse(null)).isEmpty();
    assertThat(usage("{}")).isEmpty();
    assertThat(usage("{\"total_tokens\": 12}")).isEmpty();
    assertThat(usage("[1, 2]")).isEmpty();
    // Zero tokens reported is a known usage of zero.
    assertThat(usage("{\"prompt_tokens\": 0, \"completion_tokens\": 0}")).contains(Usage.of(0, 0));
  }

  @Test
  void nonsenseCountsAreClampedNotTrusted() {
    assertThat(usage("""
        {"prompt_tokens": 10, "completion_tokens": 5,
         "prompt_tokens_details": {"cached_tokens": -3},
         "completion_tokens_details": {"reasoning_tokens": 9}}
        """)).contains(new Usage(10, 0, 0, 5, 5));
    assertThat(usage("{\"prompt_tokens\": -10, \"completion_tokens\": 5}")).contains(Usage.of(0, 5));
    assertThatThrownBy(() -> new Usage(1, 0, 0, 2, 3)).isInstanceOf(IllegalArgumentException.class);
  }
}
