package dev.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonStringsTest {

  @Test
  void plainTextIsQuotedAsIs() {
    assertThat(JsonStrings.quote("gpt-4o-mini/openai-1")).isEqualTo("\"gpt-4o-mini/openai-1\"");
    assertThat(JsonStrings.quote("")).isEqualTo("\"\"");
    assertThat(JsonStrings.quote(null)).isEqualTo("null");
  }

  @Test
  void escapesFromTheFirstCharacterThatNeedsItOn() {
    assertThat(JsonStrings.quote("say \"hi\"\\now\n\t\u0001é"))
        .isEqualTo("\"say \\\"hi\\\"\\\\now\\n\\t\\u0001é\"");
  }

  @Test
  void whatItWritesReadsBackAsTheSameStrings() throws Exception {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("team", "search \"core\"");
    tags.put("line\nbreak", "tab\there\u001f");
    tags.put("unicode", "日本語 ✓");
    StringBuilder sb = new StringBuilder();
    JsonStrings.object(sb, tags);
    JsonNode read = Json.MAPPER.readTree(sb.toString());
    assertThat(read.size()).isEqualTo(3);
    tags.forEach((k, v) -> assertThat(read.get(k).asText()).isEqualTo(v));
  }

  @Test
  void anEmptyMapIsAnEmptyObject() {
    StringBuilder sb = new StringBuilder();
    JsonStrings.object(sb, Map.of());
    assertThat(sb).hasToString("{}");
  }
}
