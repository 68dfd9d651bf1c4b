package dev.sluice.api;

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
    for (int i = 0; i < value.length(); i++) {
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
}
