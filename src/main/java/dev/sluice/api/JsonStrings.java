package dev.sluice.api;

/** Writing JSON string literals by hand, for the few hot places where a generator costs more than the text. */
public final class JsonStrings {
  private JsonStrings() {}

  private static final char[] HEX = "0123456789abcdef".toCharArray();

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
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            sb.append("\\u00").append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
            if (c >= 0x100) {
              sb.setLength(sb.length() - 6);
              sb.append("\\u").append(HEX[(c >> 12) & 0xF]).append(HEX[(c >> 8) & 0xF])
                  .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
            }
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
