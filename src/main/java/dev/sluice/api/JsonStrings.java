package dev.sluice.api;

import java.util.Map;

/** Writing JSON string literals by hand, for the few hot places where a generator costs more than the text. */
public final class JsonStrings {
  private JsonStrings() {}

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** {@code value} as a JSON string literal, quotes included ({@code null} for null). */
  public static String quote(String value) {
    StringBuilder sb = new StringBuilder(value == null ? 4 : value.length() + 2);
    quote(sb, value);
    return sb.toString();
  }

  /** Appends {@code value} as a JSON string literal (quoted, escaped), or {@code null}. */
  public static void quote(StringBuilder sb, String value) {
    if (value == null) {
      sb.append("null");
      return;
    }
    sb.append('"');
    int plain = plainPrefix(value);
    if (plain == value.length()) { // the common case: nothing to escape, one bulk copy
      sb.append(value).append('"');
      return;
    }
    sb.append(value, 0, plain);
    for (int i = plain; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /** The length of the longest prefix of {@code value} that needs no escaping. */
  private static int plainPrefix(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\') return i;
    }
    return value.length();
  }

  /** Appends {@code tags} as a JSON object of strings, in the map's iteration order. */
  public static void object(StringBuilder sb, Map<String, String> tags) {
    sb.append('{');
    boolean first = true;
    for (Map.Entry<String, String> t : tags.entrySet()) {
      if (!first) sb.append(',');
      first = false;
      quote(sb, t.getKey());
      sb.append(':');
      quote(sb, t.getValue());
    }
    sb.append('}');
  }
}
