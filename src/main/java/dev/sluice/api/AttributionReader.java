package dev.sluice.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import dev.sluice.pipeline.Attribution;
import io.vertx.core.MultiMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a request's {@link Attribution} from the {@code X-Sluice-*} headers and the OpenAI body
 * ({@code user}, {@code metadata}). Values are bounded: {@value #MAX_VALUE} characters each, at most
 * {@value #MAX_TAGS} tags with names of letters, digits, {@code _ . -}. A malformed
 * {@code X-Sluice-Tags} is a 400 naming the header; metadata entries that do not fit are skipped.
 */
public final class AttributionReader {
  private AttributionReader() {}

  public static final int MAX_VALUE = 200;
  public static final int MAX_TAGS = 16;
  private static final Pattern TAG_NAME = Pattern.compile("[A-Za-z0-9_.\\-]{1,64}");
  private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}.*");

  public static Attribution read(MultiMap headers, ObjectNode body) {
    String feature = header(headers, "x-sluice-feature");
    String user = header(headers, "x-sluice-user");
    if (user == null) user = bounded(text(body.get("user")));
    JsonNode metadata = body.get("metadata");
    String run = header(headers, "x-sluice-run");
    if (run == null && metadata != null && metadata.isObject()) run = bounded(text(metadata.get("run_id")));
    if (run == null) run = traceId(headers.get("traceparent"));
    String parentRun = header(headers, "x-sluice-parent-run");

    Map<String, String> tags = new LinkedHashMap<>();
    if (metadata != null && metadata.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext() && tags.size() < MAX_TAGS; ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().equals("run_id") || !e.getValue().isTextual() || !TAG_NAME.matcher(e.getKey()).matches()) continue;
        tags.put(e.getKey(), bounded(e.getValue().asText()));
      }
    }
    String tagHeader = headers.get("x-sluice-tags");
    if (tagHeader != null && !tagHeader.isBlank()) {
      for (String pair : tagHeader.split(",")) {
        String p = pair.strip();
        if (p.isEmpty()) continue;
        int eq = p.indexOf('=');
        String name = eq < 0 ? p : p.substring(0, eq).strip();
        if (eq <= 0 || !TAG_NAME.matcher(name).matches()) {
          throw new GatewayException(new GatewayError.InvalidRequest("Invalid X-Sluice-Tags header: expected "
              + "name=value pairs separated by commas, names of letters, digits, '_', '.', '-' (got '" + bounded(p) + "').",
              "X-Sluice-Tags", "invalid_header"));
        }
        tags.remove(name);
        tags.put(name, bounded(p.substring(eq + 1).strip()));
      }
      if (tags.size() > MAX_TAGS) {
        throw new GatewayException(new GatewayError.InvalidRequest("Too many tags: at most " + MAX_TAGS
            + " (X-Sluice-Tags and metadata together).", "X-Sluice-Tags", "invalid_header"));
      }
    }
    if (feature == null && user == null && run == null && parentRun == null && tags.isEmpty()) return Attribution.NONE;
    return new Attribution(feature, user, run, parentRun, tags);
  }

  private static String header(MultiMap headers, String name) {
    String v = headers.get(name);
    return v == null || v.isBlank() ? null : bounded(v.strip());
  }

  private static String text(JsonNode n) {
    return n != null && n.isTextual() && !n.asText().isBlank() ? n.asText() : null;
  }

  private static String bounded(String v) {
    if (v == null) return null;
    return v.length() > MAX_VALUE ? v.substring(0, MAX_VALUE) : v;
  }

  private static String traceId(String traceparent) {
    if (traceparent == null) return null;
    var m = TRACEPARENT.matcher(traceparent.strip().toLowerCase());
    if (!m.matches() || m.group(1).equals("0".repeat(32))) return null;
    return m.group(1);
  }
}
