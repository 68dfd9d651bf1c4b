package dev.sluice.meter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the shipped price table ({@code src/main/resources/prices/model_prices.json}) from a
 * LiteLLM cost map: the entries {@link PriceTable} can use, from the providers whose hosts it
 * knows, with only the fields it reads. Numbers are copied as the very text of the source, so the
 * shipped prices are the source's prices digit for digit.
 *
 * <p>{@code ShippedPriceTableTest} rebuilds it from {@code ../shared/data/prices/model_prices.json}
 * and checks it matches; run it with {@code -Dsluice.prices.update=true} to rewrite the resource
 * after a new snapshot (and update {@link #SNAPSHOT} and {@link #SOURCE}).
 */
final class PriceTableSelection {
  static final String SNAPSHOT = "2025-09-01";
  static final String SOURCE = "AgentOps-AI/tokencost, tokencost/model_prices.json at commit "
      + "e7f7c1928084af55bb4955102327982401ed8649 (last changed by 59042a13a4932cdade3f3f352a81b27ec4b2557a, "
      + "\"chore: Update token prices (01-09-2025)\"; sha256 15e09b288901e7a70909992d18aa82ba35b4485107c5a014a5c06b409e6f5359), "
      + "a daily copy of LiteLLM's model_prices_and_context_window.json (BerriAI/litellm)";
  static final String LICENCE = "MIT (tokencost; see LICENSE-SOURCE next to this file). LiteLLM's cost map is "
      + "MIT-licensed too. The prices are facts published by the providers.";

  /** The fields {@link PriceTable} reads, in the order they are written. */
  static final List<String> FIELDS = List.of(
      "litellm_provider", "mode", "max_input_tokens", "max_output_tokens",
      "input_cost_per_token", "output_cost_per_token",
      "cache_read_input_token_cost", "input_cost_per_token_cache_hit", "cache_creation_input_token_cost",
      "output_cost_per_reasoning_token",
      "input_cost_per_token_batches", "output_cost_per_token_batches",
      "input_cost_per_token_above_128k_tokens", "output_cost_per_token_above_128k_tokens",
      "input_cost_per_token_above_200k_tokens", "output_cost_per_token_above_200k_tokens",
      "cache_read_input_token_cost_above_200k_tokens", "cache_creation_input_token_cost_above_200k_tokens");

  private PriceTableSelection() {}

  /** A JSON number kept as its source text. */
  private record Number(String text) {}

  static String build(Path source) throws IOException {
    StringBuilder out = new StringBuilder();
    out.append("{\n");
    out.append("  \"snapshot\": ").append(quote(SNAPSHOT)).append(",\n");
    out.append("  \"source\": ").append(quote(SOURCE)).append(",\n");
    out.append("  \"licence\": ").append(quote(LICENCE)).append(",\n");
    out.append("  \"selection\": ").append(quote("entries with mode chat, completion or embedding, an input price "
        + "and (except embeddings) an output price, whose litellm_provider is one of "
        + String.join(", ", PriceTable.SHIPPED_NAMESPACES.stream().sorted().toList())
        + "; only the fields Sluice reads; numbers copied as written in the source")).append(",\n");
    out.append("  \"models\": {");
    int written = 0;
    try (InputStream in = Files.newInputStream(source);
        JsonParser p = new JsonFactory().createParser(in)) {
      expect(p.nextToken(), JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String key = p.currentName();
        p.nextToken();
        Map<String, Object> entry = readEntry(p);
        if (entry == null || !selected(entry)) continue;
        out.append(written++ == 0 ? "\n" : ",\n").append("    ").append(quote(key)).append(": {");
        boolean first = true;
        for (String field : FIELDS) {
          Object v = entry.get(field);
          if (v == null) continue;
          out.append(first ? "" : ", ").append(quote(field)).append(": ");
          out.append(v instanceof Number n ? n.text() : quote((String) v));
          first = false;
        }
        out.append("}");
      }
    }
    out.append("\n  }\n}\n");
    return out.toString();
  }

  private static boolean selected(Map<String, Object> e) {
    if (!(e.get("mode") instanceof String mode) || !PriceTable.MODES.contains(mode)) return false;
    if (!(e.get("litellm_provider") instanceof String provider) || !PriceTable.SHIPPED_NAMESPACES.contains(provider)) {
      return false;
    }
    return e.get("input_cost_per_token") instanceof Number
        && (e.get("output_cost_per_token") instanceof Number || mode.equals("embedding"));
  }

  /** The kept scalar fields of one entry, or null when the value is not an object. */
  private static Map<String, Object> readEntry(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      p.skipChildren();
      return null;
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
        p.skipChildren();
      } else if (FIELDS.contains(name)) {
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
          fields.put(name, new Number(p.getText()));
        } else if (t == JsonToken.VALUE_STRING) {
          fields.put(name, p.getText());
        }
      }
    }
    return fields;
  }

  private static void expect(JsonToken actual, JsonToken expected) throws IOException {
    if (actual != expected) throw new IOException("expected " + expected + ", found " + actual);
  }

  private static String quote(String s) {
    return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
  }

  /** Writes the selection: {@code PriceTableSelection <litellm.json> <out.json>}. */
  public static void main(String[] args) throws IOException {
    Files.writeString(Path.of(args[1]), build(Path.of(args[0])));
  }
}
