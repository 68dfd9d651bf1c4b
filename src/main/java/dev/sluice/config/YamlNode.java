package dev.sluice.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * A strict reader over one YAML mapping. Every read records the key as known; {@link #finish()}
 * reports each key that was never read as an unknown key, with its line and the closest known key.
 * Problems are collected in a shared list instead of thrown, so one run reports all of them.
 *
 * <p>Scalars go through environment substitution: {@code ${VAR}} (an error naming VAR when it is
 * unset), {@code ${VAR:-default}} and {@code $${} for a literal {@code ${}.
 */
final class YamlNode {
  private static final Pattern VAR = Pattern.compile("\\$\\$\\{|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

  private final String path;
  private final MappingNode node;
  private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
  private final Set<String> read = new LinkedHashSet<>();
  private final List<String> problems;
  private final Function<String, String> env;

  YamlNode(String path, MappingNode node, List<String> problems, Function<String, String> env) {
    this.path = path;
    this.node = node;
    this.problems = problems;
    this.env = env;
    for (NodeTuple t : node.getValue()) {
      if (t.getKeyNode() instanceof ScalarNode k) {
        if (entries.containsKey(k.getValue())) {
          problem(t.getKeyNode(), "duplicate key '" + qualified(k.getValue()) + "'");
        }
        entries.put(k.getValue(), t);
      } else {
        problem(t.getKeyNode(), "keys must be plain names");
      }
    }
  }

  String path() {
    return path;
  }

  int line() {
    return line(node);
  }

  boolean has(String key) {
    read.add(key);
    NodeTuple t = entries.get(key);
    return t != null && !isNull(t.getValueNode());
  }

  /** A string value after environment substitution, or empty when the key is absent or null. */
  Optional<String> string(String key) {
    read.add(key);
    NodeTuple t = entries.get(key);
    if (t == null || isNull(t.getValueNode())) return Optional.empty();
    if (!(t.getValueNode() instanceof ScalarNode s)) {
      problem(t.getValueNode(), "'" + qualified(key) + "' must be a single value, not a list or a mapping");
      return Optional.empty();
    }
    return Optional.ofNullable(substitute(key, s));
  }

  String string(String key, String defaultValue) {
    return string(key).orElse(defaultValue);
  }

  Optional<String> requiredString(String key) {
    Optional<String> v = string(key);
    if (v.isEmpty() && !entries.containsKey(key)) {
      problem(node, "missing required key '" + qualified(key) + "'");
    }
    return v;
  }

  Optional<Long> integer(String key, long min, long max) {
    return string(key).flatMap(v -> {
      try {
        long n = Long.parseLong(v.trim().replace("_", ""));
        if (n < min || n > max) {
          problem(valueNode(key), "'" + qualified(key) + "' is " + n + "; it must be between " + min + " and " + max);
          return Optional.empty();
        }
        return Optional.of(n);
      } catch (NumberFormatException e) {
        problem(valueNode(key), "'" + qualified(key) + "' must be a whole number, got '" + v + "'");
        return Optional.empty();
      }
    });
  }

  Optional<Double> decimal(String key, double min, double max) {
    return string(key).flatMap(v -> {
      try {
        double n = Double.parseDouble(v.trim());
        if (!(n >= min && n <= max)) {
          problem(valueNode(key), "'" + qualified(key) + "' is " + v + "; it must be between " + min + " and " + max);
          return Optional.empty();
        }
        return Optional.of(n);
      } catch (NumberFormatException e) {
        problem(valueNode(key), "'" + qualified(key) + "' must be a number, got '" + v + "'");
        return Optional.empty();
      }
    });
  }

  /**
   * A number read exactly as written (for money: {@code 1.00}, {@code 0.125}, {@code 2.5e-1}),
   * between {@code min} and {@code max} inclusive.
   */
  Optional<BigDecimal> exactDecimal(String key, BigDecimal min, BigDecimal max) {
    return string(key).flatMap(v -> {
      try {
        BigDecimal n = new BigDecimal(v.trim());
        if (n.compareTo(min) < 0 || n.compareTo(max) > 0) {
          problem(valueNode(key), "'" + qualified(key) + "' is " + v.trim() + "; it must be between "
              + min.toPlainString() + " and " + max.toPlainString());
          return Optional.empty();
        }
        return Optional.of(n);
      } catch (NumberFormatException e) {
        problem(valueNode(key), "'" + qualified(key) + "' must be a number, got '" + v + "'");
        return Optional.empty();
      }
    });
  }

  Optional<Boolean> bool(String key) {
    return string(key).flatMap(v -> switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> Optional.of(true);
      case "false", "no", "off" -> Optional.of(false);
      default -> {
        problem(valueNode(key), "'" + qualified(key) + "' must be true or false, got '" + v + "'");
        yield Optional.empty();
      }
    });
  }

  Optional<Duration> duration(String key) {
    return string(key).flatMap(v -> {
      Optional<Duration> d = Durations.parse(v);
      if (d.isEmpty()) {
        problem(valueNode(key), "'" + qualified(key) + "' must be a duration such as 500ms, 5s, 2m or 1h, got '" + v + "'");
      }
      return d;
    });
  }

  Optional<Long> byteSize(String key) {
    return string(key).flatMap(v -> {
      Optional<Long> n = Durations.parseBytes(v);
      if (n.isEmpty()) {
        problem(valueNode(key), "'" + qualified(key) + "' must be a size such as 512KiB, 4MiB or 1GiB, got '" + v + "'");
      }
      return n;
    });
  }

  <E extends Enum<E>> Optional<E> enumValue(String key, Class<E> type) {
    return string(key).flatMap(v -> {
      String normal = v.trim().toUpperCase(Locale.ROOT).replace('-', '_');
      for (E e : type.getEnumConstants()) {
        if (e.name().equals(normal)) return Optional.of(e);
      }
      List<String> allowed = new ArrayList<>();
      for (E e : type.getEnumConstants()) allowed.add(e.name().toLowerCase(Locale.ROOT));
      problem(valueNode(key), "'" + qualified(key) + "' must be one of " + String.join(", ", allowed) + ", got '" + v + "'");
      return Optional.empty();
    });
  }

  /** A nested mapping, or empty when absent. */
  Optional<YamlNode> mapping(String key) {
    read.add(key);
    NodeTuple t = entries.get(key);
    if (t == null || isNull(t.getValueNode())) return Optional.empty();
    if (t.getValueNode() instanceof MappingNode m) {
      return Optional.of(new YamlNode(qualified(key), m, problems, env));
    }
    problem(t.getValueNode(), "'" + qualified(key) + "' must be a mapping of keys to values");
    return Optional.empty();
  }

  /** A list of mappings (each element a strict node), or an empty list when absent. */
  List<YamlNode> mappings(String key) {
    read.add(key);
    NodeTuple t = entries.get(key);
    if (t == null || isNull(t.getValueNode())) return List.of();
    if (!(t.getValueNode() instanceof SequenceNode seq)) {
      problem(t.getValueNode(), "'" + qualified(key) + "' must be a list");
      return List.of();
    }
    List<YamlNode> out = new ArrayList<>();
    int i = 0;
    for (Node item : seq.getValue()) {
      if (item instanceof MappingNode m) {
        out.add(new YamlNode(qualified(key) + "[" + i + "]", m, problems, env));
      } else {
        problem(item, "each entry of '" + qualified(key) + "' must be a mapping");
      }
      i++;
    }
    return out;
  }

  /** A list of scalars (after substitution), or an empty list when absent. */
  List<String> strings(String key) {
    read.add(key);
    NodeTuple t = entries.get(key);
    if (t == null || isNull(t.getValueNode())) return List.of();
    if (t.getValueNode() instanceof ScalarNode s) {
      String v = substitute(key, s);
      return v == null ? List.of() : List.of(v);
    }
    if (!(t.getValueNode() instanceof SequenceNode seq)) {
      problem(t.getValueNode(), "'" + qualified(key) + "' must be a list of values");
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (Node item : seq.getValue()) {
      if (item instanceof ScalarNode s) {
        String v = substitute(key, s);
        if (v != null) out.add(v);
      } else {
        problem(item, "each entry of '" + qualified(key) + "' must be a single value");
      }
    }
    return out;
  }

  /** A mapping of names to scalar values (after substitution), or an empty map when absent. */
  Map<String, String> stringMap(String key) {
    Optional<YamlNode> m = mapping(key);
    if (m.isEmpty()) return Map.of();
    Map<String, String> out = new LinkedHashMap<>();
    YamlNode child = m.get();
    for (String k : child.entries.keySet()) {
      child.string(k).ifPresent(v -> out.put(k, v));
    }
    return out;
  }

  /**
   * A nested mapping as JSON text (scalars after substitution; numbers, booleans and nulls typed as
   * YAML reads them), or empty when absent. The reader of that JSON checks its keys.
   */
  Optional<String> json(String key) {
    read.add(key);
    NodeTuple t = entries.get(key);
    if (t == null || isNull(t.getValueNode())) return Optional.empty();
    if (!(t.getValueNode() instanceof MappingNode)) {
      problem(t.getValueNode(), "'" + qualified(key) + "' must be a mapping of keys to values");
      return Optional.empty();
    }
    return Optional.of(toJson(key, t.getValueNode()).toString());
  }

  private com.fasterxml.jackson.databind.JsonNode toJson(String key, Node n) {
    var f = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
    if (n instanceof MappingNode m) {
      var o = f.objectNode();
      for (NodeTuple t : m.getValue()) {
        if (t.getKeyNode() instanceof ScalarNode k) o.set(k.getValue(), toJson(key, t.getValueNode()));
      }
      return o;
    }
    if (n instanceof SequenceNode s) {
      var a = f.arrayNode();
      for (Node item : s.getValue()) a.add(toJson(key, item));
      return a;
    }
    ScalarNode s = (ScalarNode) n;
    if (isNull(s)) return f.nullNode();
    String tag = s.getTag().getValue();
    String v = substitute(key, s);
    if (v == null) return f.nullNode();
    if (tag.endsWith(":int") || tag.endsWith(":float")) {
      try {
        return f.numberNode(new java.math.BigDecimal(v.trim().replace("_", "")));
      } catch (NumberFormatException e) {
        return f.textNode(v);
      }
    }
    if (tag.endsWith(":bool")) return f.booleanNode(Boolean.parseBoolean(v.trim()));
    return f.textNode(v);
  }

  /** Reports every key present in the mapping that no read asked for. */
  void finish() {
    for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
      if (!read.contains(e.getKey())) {
        String hint = closest(e.getKey(), read).map(k -> " (did you mean '" + k + "'?)").orElse("");
        String known = read.isEmpty() ? "" : "; known keys here: " + String.join(", ", read);
        problem(e.getValue().getKeyNode(), "unknown key '" + qualified(e.getKey()) + "'" + hint + (hint.isEmpty() ? known : ""));
      }
    }
  }

  void problem(String message) {
    problem(node, message);
  }

  void problemAt(String key, String message) {
    problem(entries.containsKey(key) ? entries.get(key).getKeyNode() : node, message);
  }

  private Node valueNode(String key) {
    NodeTuple t = entries.get(key);
    return t == null ? node : t.getValueNode();
  }

  private void problem(Node at, String message) {
    problems.add("line " + line(at) + ": " + message);
  }

  private String qualified(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private String substitute(String key, ScalarNode s) {
    String raw = s.getValue();
    if (raw.indexOf('$') < 0) return raw;
    Matcher m = VAR.matcher(raw);
    StringBuilder sb = new StringBuilder();
    boolean ok = true;
    while (m.find()) {
      if (m.group().equals("$${")) {
        m.appendReplacement(sb, Matcher.quoteReplacement("${"));
        continue;
      }
      String name = m.group(1);
      String value = env.apply(name);
      if (value == null) {
        if (m.group(2) != null) {
          value = m.group(2);
        } else {
          problem(s, "'" + qualified(key) + "' uses the environment variable " + name
              + ", which is not set (set it, or write ${" + name + ":-default} to fall back)");
          ok = false;
          value = "";
        }
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(value));
    }
    m.appendTail(sb);
    return ok ? sb.toString() : null;
  }

  private static boolean isNull(Node n) {
    return n instanceof ScalarNode s && s.getTag().getValue().endsWith(":null");
  }

  private static int line(Node n) {
    return n.getStartMark().map(mark -> mark.getLine() + 1).orElse(0);
  }

  private static Optional<String> closest(String key, Set<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(key.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    return bestDistance <= Math.max(2, key.length() / 3) ? Optional.ofNullable(best) : Optional.empty();
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
