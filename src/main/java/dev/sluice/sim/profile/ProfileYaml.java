package dev.sluice.sim.profile;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A strict reader over one mapping of a profile file. Every read marks the key as known;
 * {@link #finish()} reports the keys never read as unknown, with the closest known key, so a typo
 * in a copied profile is an error rather than a silently ignored number. Problems go to a shared
 * list so one load reports all of them.
 */
final class ProfileYaml {
  private final String path;
  private final Map<?, ?> map;
  private final List<String> problems;
  private final List<Citation> citations;
  private final Set<String> read = new LinkedHashSet<>();

  ProfileYaml(String path, Map<?, ?> map, List<String> problems, List<Citation> citations) {
    this.path = path;
    this.map = map;
    this.problems = problems;
    this.citations = citations;
  }

  boolean has(String key) {
    read.add(key);
    return map.get(key) != null;
  }

  /** A cited number {@code {value: N, source: "..."}}, recorded in the citations; NaN when missing or malformed. */
  double cited(String key, double min, double max) {
    read.add(key);
    Object v = map.get(key);
    String where = qualified(key);
    if (v == null) {
      problems.add("missing '" + where + "' (a mapping {value: <number>, source: \"<citation>\"})");
      return Double.NaN;
    }
    if (!(v instanceof Map<?, ?> m)) {
      problems.add("'" + where + "' must be {value: <number>, source: \"<citation>\"}: every number in a profile cites its source");
      return Double.NaN;
    }
    for (Object k : m.keySet()) {
      if (!"value".equals(k) && !"source".equals(k)) {
        problems.add("unknown key '" + where + "." + k + "' (a cited number has only 'value' and 'source')");
      }
    }
    Object value = m.get("value");
    Object source = m.get("source");
    if (!(value instanceof Number n)) {
      problems.add("'" + where + ".value' must be a number" + (value == null ? "" : ", got '" + value + "'"));
      return Double.NaN;
    }
    if (!(source instanceof String s) || s.isBlank()) {
      problems.add("'" + where + ".source' must cite where the number comes from (a calibration row id such as H8-31, or a vendor or paper figure)");
      return Double.NaN;
    }
    double d = n.doubleValue();
    if (d < min || d > max) {
      problems.add("'" + where + ".value' is " + d + "; it must be between " + min + " and " + max);
      return Double.NaN;
    }
    citations.add(new Citation(where, d, s.strip()));
    return d;
  }

  /** A plain number (a setting, not a measurement), or {@code defaultValue} when absent. */
  double number(String key, double defaultValue, double min, double max) {
    read.add(key);
    Object v = map.get(key);
    if (v == null) return defaultValue;
    if (!(v instanceof Number n)) {
      problems.add("'" + qualified(key) + "' must be a number, got '" + v + "'");
      return defaultValue;
    }
    double d = n.doubleValue();
    if (d < min || d > max) {
      problems.add("'" + qualified(key) + "' is " + d + "; it must be between " + min + " and " + max);
      return defaultValue;
    }
    return d;
  }

  String string(String key) {
    read.add(key);
    Object v = map.get(key);
    if (v == null) {
      problems.add("missing '" + qualified(key) + "'");
      return "";
    }
    if (v instanceof Map || v instanceof List) {
      problems.add("'" + qualified(key) + "' must be a single value");
      return "";
    }
    return v.toString();
  }

  String string(String key, String defaultValue) {
    return has(key) ? string(key) : defaultValue;
  }

  boolean bool(String key, boolean defaultValue) {
    read.add(key);
    Object v = map.get(key);
    if (v == null) return defaultValue;
    if (!(v instanceof Boolean b)) {
      problems.add("'" + qualified(key) + "' must be true or false, got '" + v + "'");
      return defaultValue;
    }
    return b;
  }

  /** One of {@code allowed}, compared case-insensitively. */
  String choice(String key, String defaultValue, String... allowed) {
    String v = has(key) ? string(key) : defaultValue;
    for (String a : allowed) {
      if (a.equalsIgnoreCase(v)) return a;
    }
    problems.add("'" + qualified(key) + "' is '" + v + "'; expected one of " + String.join(", ", allowed));
    return defaultValue;
  }

  ProfileYaml mapping(String key) {
    read.add(key);
    Object v = map.get(key);
    if (v == null) {
      problems.add("missing section '" + qualified(key) + "'");
      return new ProfileYaml(qualified(key), Map.of(), problems, citations);
    }
    if (!(v instanceof Map<?, ?> m)) {
      problems.add("'" + qualified(key) + "' must be a mapping");
      return new ProfileYaml(qualified(key), Map.of(), problems, citations);
    }
    return new ProfileYaml(qualified(key), m, problems, citations);
  }

  List<ProfileYaml> mappings(String key) {
    read.add(key);
    Object v = map.get(key);
    List<ProfileYaml> out = new ArrayList<>();
    if (v == null) return out;
    if (!(v instanceof List<?> list)) {
      problems.add("'" + qualified(key) + "' must be a list");
      return out;
    }
    for (int i = 0; i < list.size(); i++) {
      if (list.get(i) instanceof Map<?, ?> m) {
        out.add(new ProfileYaml(qualified(key) + "[" + i + "]", m, problems, citations));
      } else {
        problems.add("'" + qualified(key) + "[" + i + "]' must be a mapping");
      }
    }
    return out;
  }

  List<String> strings(String key) {
    read.add(key);
    Object v = map.get(key);
    List<String> out = new ArrayList<>();
    if (v == null) return out;
    if (!(v instanceof List<?> list)) {
      problems.add("'" + qualified(key) + "' must be a list");
      return out;
    }
    for (Object o : list) out.add(String.valueOf(o));
    return out;
  }

  void problem(String key, String message) {
    problems.add("'" + qualified(key) + "': " + message);
  }

  /** Reports every key of this mapping that was never read. */
  void finish() {
    for (Object k : map.keySet()) {
      String key = String.valueOf(k);
      if (!read.contains(key)) {
        String hint = closest(key);
        problems.add("unknown key '" + qualified(key) + "'" + (hint == null ? "" : "; did you mean '" + hint + "'?"));
      }
    }
  }

  private String qualified(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private String closest(String key) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String known : read) {
      int d = distance(key, known);
      if (d < bestDistance) {
        bestDistance = d;
        best = known;
      }
    }
    return bestDistance <= Math.max(2, key.length() / 3) ? best : null;
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
