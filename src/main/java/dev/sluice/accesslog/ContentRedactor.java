package dev.sluice.accesslog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Function;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes secrets and e-mail addresses out of prompt and completion text before it is logged. A
 * pure function: the same text always gives the same result, and text without anything to hide
 * comes back unchanged.
 *
 * <p>What counts as a secret: API keys by their shape ({@code sk-...}, {@code sk-ant-...},
 * GitHub, Slack and Google keys), AWS access key ids ({@code AKIA...}, {@code ASIA...}),
 * {@code Bearer} tokens, JSON Web Tokens, PEM private keys, credentials in URLs
 * ({@code https://user:pass@host}), the value of anything written as a password, secret, token or
 * key ({@code password=...}, {@code "api_key": "..."}, {@code token: ...}, "my password is ..."),
 * {@code Authorization} header values, and long hex or base64
 * strings (32 characters or more; base64 only when it mixes upper case, lower case and digits, so
 * that long ordinary words survive). Each is replaced by {@value #SECRET}, an address by
 * {@value #EMAIL}. Redaction errs on the side of hiding: a long random-looking identifier is
 * hidden too.
 */
public final class ContentRedactor {
  public static final String SECRET = "[REDACTED_SECRET]";
  public static final String EMAIL = "[REDACTED_EMAIL]";

  private record Rule(Pattern pattern, Function<MatchResult, String> replacement) {}

  private static Rule all(String regex) {
    return new Rule(Pattern.compile(regex), m -> SECRET);
  }

  private static final List<Rule> RULES = List.of(
      all("-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)"),
      // user:password@ in a URL, before the e-mail rule can read "password@host" as an address
      new Rule(Pattern.compile("(?<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^\\s/:@]+:[^\\s/@]+@"),
          m -> m.group(1) + SECRET + "@"),
      // password=..., "api_key": "...", token: ...
      new Rule(Pattern.compile("(?i)(\\b[\\w-]*(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|"
          + "private[_-]?key|credentials?)\\b[\"']?)(\\s*[:=]\\s*)(\"[^\"]*\"|'[^']*'|[^\\s,;&\"']+)"),
          m -> m.group(1) + m.group(2) + quoted(m.group(3))),
      // "my password is hunter2"
      new Rule(Pattern.compile("(?i)(\\b(?:password|passwd|passphrase)\\s+is\\s+)(\"[^\"]*\"|'[^']*'|[^\\s,;\"']+)"),
          m -> m.group(1) + quoted(m.group(2))),
      new Rule(Pattern.compile("(?i)(\\bauthorization[\"']?\\s*[:=]\\s*[\"']?)(?:(?:basic|bearer|token)\\s+)?[A-Za-z0-9._~+/=-]+"),
          m -> m.group(1) + SECRET),
      new Rule(Pattern.compile("\\bBearer\\s+[A-Za-z0-9._~+/=-]{8,}"), m -> "Bearer " + SECRET),
      all("\\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}"),
      all("\\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{20,}"),
      all("\\bxox[abprs]-[A-Za-z0-9-]{10,}"),
      all("\\bAIza[0-9A-Za-z_-]{35}"),
      all("\\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\\b"),
      all("\\beyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}"),
      new Rule(Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}"), m -> EMAIL),
      all("\\b[0-9a-fA-F]{32,}\\b"),
      new Rule(Pattern.compile("(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,}={0,2}"),
          m -> looksRandom(m.group()) ? SECRET : m.group()));

  private ContentRedactor() {}

  /** {@code text} with every secret and e-mail address replaced. */
  public static String redact(String text) {
    if (text == null || text.isEmpty()) return text;
    String out = text;
    for (Rule rule : RULES) {
      Matcher m = rule.pattern.matcher(out);
      if (m.find()) out = m.replaceAll(r -> Matcher.quoteReplacement(rule.replacement.apply(r)));
    }
    return out;
  }

  /** A copy of {@code node} with every string in it (object keys aside) redacted. */
  public static JsonNode redact(JsonNode node) {
    if (node == null) return null;
    if (node.isTextual()) return JsonNodeFactory.instance.textNode(redact(node.asText()));
    if (node.isArray()) {
      ArrayNode copy = JsonNodeFactory.instance.arrayNode(node.size());
      node.forEach(n -> copy.add(redact(n)));
      return copy;
    }
    if (node.isObject()) {
      ObjectNode copy = JsonNodeFactory.instance.objectNode();
      node.properties().forEach(e -> copy.set(e.getKey(), redact(e.getValue())));
      return copy;
    }
    return node;
  }

  private static String quoted(String value) {
    if (value.startsWith("\"")) return "\"" + SECRET + "\"";
    if (value.startsWith("'")) return "'" + SECRET + "'";
    return SECRET;
  }

  /** Base64-looking: upper case, lower case and digits all present. */
  private static boolean looksRandom(String s) {
    boolean upper = false, lower = false, digit = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') upper = true;
      else if (c >= 'a' && c <= 'z') lower = true;
      else if (c >= '0' && c <= '9') digit = true;
    }
    return upper && lower && digit;
  }
}
