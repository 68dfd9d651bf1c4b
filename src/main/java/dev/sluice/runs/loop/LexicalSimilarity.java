package dev.sluice.runs.loop;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Cosine similarity of the character trigram counts of two lower-cased texts: no model, no
 * allocation beyond two small maps, deterministic. It sees spelling, not meaning: "sort a list in
 * python" and "python list sorting" score high, "sort a list" and "order an array" do not. Used by
 * the synchronous {@link LoopDetector#lexical} and by tests; {@link VectorSimilarity} over MiniLM is
 * the production choice.
 */
public final class LexicalSimilarity implements TextSimilarity {

  public static final LexicalSimilarity INSTANCE = new LexicalSimilarity();

  /**
   * The near-duplicate threshold that suits this measure: rephrasings of one sentence score above
   * it, different records of the same shape (two orders, two file contents) below.
   */
  public static final double THRESHOLD = 0.8;

  private LexicalSimilarity() {}

  @Override
  public double similarity(String a, String b) {
    if (a.equals(b)) return 1;
    Map<String, Integer> x = trigrams(a);
    Map<String, Integer> y = trigrams(b);
    if (x.isEmpty() || y.isEmpty()) return 0;
    long dot = 0;
    for (var e : x.entrySet()) dot += (long) e.getValue() * y.getOrDefault(e.getKey(), 0);
    return dot / Math.sqrt((double) norm2(x) * norm2(y));
  }

  private static Map<String, Integer> trigrams(String text) {
    String t = " " + text.toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").strip() + " ";
    Map<String, Integer> out = new HashMap<>();
    for (int i = 0; i + 3 <= t.length(); i++) out.merge(t.substring(i, i + 3), 1, Integer::sum);
    return out;
  }

  private static long norm2(Map<String, Integer> m) {
    long s = 0;
    for (int v : m.values()) s += (long) v * v;
    return s;
  }
}
