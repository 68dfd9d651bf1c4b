package dev.sluice.cascade;

/**
 * What a router reads of a prompt besides its embedding: a few measures of its shape, computed from
 * the whole text (the embedding sees only its opening). They tell computation from recall (digits,
 * formulas, numeric answer options), long cases from short questions, and negated questions
 * ("all of the following EXCEPT"). Pure.
 */
final class PromptShape {
  /** The measures, in the order of {@link #of}. */
  static final String[] NAMES = {"log_chars", "digit_share", "log_option_chars", "numeric_option_share",
      "negation", "formula", "log_lines"};

  private PromptShape() {}

  /**
   * The measures of a prompt: the logarithm of its length, the share of its characters that are
   * digits, the logarithm of the mean length of its answer-option lines ({@code A. ...} to
   * {@code D. ...}, 0 without any), the share of option lines whose answer is a number, whether it
   * says {@code EXCEPT} or {@code NOT}, whether it holds {@code =} or {@code ^}, and the logarithm
   * of its number of lines.
   */
  static double[] of(String prompt) {
    int chars = prompt.length();
    int digits = 0;
    boolean formula = false;
    for (int i = 0; i < chars; i++) {
      char c = prompt.charAt(i);
      if (c >= '0' && c <= '9') digits++;
      else if (c == '=' || c == '^') formula = true;
    }
    int lines = 0;
    int options = 0;
    int numericOptions = 0;
    long optionChars = 0;
    int start = 0;
    while (start <= chars) {
      int end = prompt.indexOf('\n', start);
      if (end < 0) end = chars;
      lines++;
      if (isOption(prompt, start, end)) {
        options++;
        optionChars += end - start;
        if (isNumber(prompt, start + 3, end)) numericOptions++;
      }
      start = end + 1;
    }
    return new double[] {
        Math.log1p(chars),
        chars == 0 ? 0 : (double) digits / chars,
        options == 0 ? 0 : Math.log1p((double) optionChars / options),
        options == 0 ? 0 : (double) numericOptions / options,
        prompt.contains("EXCEPT") || prompt.contains(" NOT ") ? 1 : 0,
        formula ? 1 : 0,
        Math.log1p(lines)};
  }

  /** A line such as {@code B. Paris}: a letter from A to D, a full stop and a space. */
  private static boolean isOption(String s, int start, int end) {
    return end - start >= 3 && s.charAt(start) >= 'A' && s.charAt(start) <= 'D' && s.charAt(start + 1) == '.'
        && s.charAt(start + 2) == ' ';
  }

  /**
   * Whether {@code s[start, end)} is a number as answer options write them: an optional sign or
   * dollar, then digits, points, commas, slashes and spaces, then an optional percent sign.
   */
  private static boolean isNumber(String s, int start, int end) {
    int i = start;
    if (i < end && (s.charAt(i) == '-' || s.charAt(i) == '+' || s.charAt(i) == '$')) i++;
    int body = i;
    while (i < end && ".,/ 0123456789".indexOf(s.charAt(i)) >= 0) i++;
    if (i == body) return false;
    if (i < end && s.charAt(i) == '%') i++;
    return i == end;
  }
}
