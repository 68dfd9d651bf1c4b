package dev.sluice.store.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sluice.api.JsonStrings;
import dev.sluice.store.StoreException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The JSON text kept in list and map columns (key models, alert thresholds, record tags). */
final class JsonText {
  private static final ObjectMapper MAPPER = JsonMapper.builder().build();
  private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {};
  private static final TypeReference<List<Double>> DOUBLES = new TypeReference<>() {};
  private static final TypeReference<Map<String, String>> TAGS = new TypeReference<>() {};

  private JsonText() {}

  /** A list column (key models, alert thresholds); tags have {@link #tags}. */
  static String write(List<?> value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new StoreException("could not write JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** Record tags as a JSON object in key order, so equal tags are equal text; written by hand, per record. */
  static String tags(Map<String, String> tags) {
    if (tags.isEmpty()) return "{}";
    StringBuilder sb = new StringBuilder(32 * tags.size());
    JsonStrings.object(sb, tags instanceof TreeMap<String, String> sorted ? sorted : new TreeMap<>(tags));
    return sb.toString();
  }

  static List<String> strings(String json) {
    return read(json, STRINGS);
  }

  static List<Double> doubles(String json) {
    return read(json, DOUBLES);
  }

  static Map<String, String> tags(String json) {
    return read(json, TAGS);
  }

  private static <T> T read(String json, TypeReference<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new StoreException("the store holds malformed JSON: " + e.getOriginalMessage(), e);
    }
  }
}
