package dev.sluice.cache.semantic;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the {@link Verifier} reads about a pair of questions: their embeddings' cosine and how their
 * surfaces differ. Pure; the order of {@link #NAMES} is the order of the values. The verifier weighs
 * these and every product of two of them ({@link #withProducts}), which lets it learn, say, that a
 * high cosine counts for less when the words overlap little.
 */
public final class PairFeatures {
  private PairFeatures() {}

  public static final List<String> NAMES = List.of("cosine", "word_overlap", "content_overlap",
      "trigram_overlap", "bigram_overlap", "length_ratio", "unshared_content_words", "fewer_unshared",
      "more_unshared", "same_content", "unshared_names", "asks_differ", "cosine_closeness");

  public static double[] of(Question a, Question b, double cosine) {
    Set<String> unsharedContent = new HashSet<>(a.contentWords());
    unsharedContent.addAll(b.contentWords());
    Set<String> shared = new HashSet<>(a.contentWords());
    shared.retainAll(b.contentWords());
    unsharedContent.removeAll(shared);
    int onlyA = 0;
    for (String w : a.contentWords()) if (!b.contentWords().contains(w)) onlyA++;
    int onlyB = unsharedContent.size() - onlyA;
    int la = a.words().size();
    int lb = b.words().size();
    return new double[] {
        cosine,
        jaccard(new HashSet<>(a.words()), new HashSet<>(b.words())),
        jaccard(a.contentWords(), b.contentWords()),
        jaccard(trigrams(a), trigrams(b)),
        jaccard(bigrams(a), bigrams(b)),
        Math.max(la, lb) == 0 ? 1 : (double) Math.min(la, lb) / Math.max(la, lb),
        Math.log1p(unsharedContent.size()),
        Math.log1p(Math.min(onlyA, onlyB)),
        Math.log1p(Math.max(onlyA, onlyB)),
        unsharedContent.isEmpty() ? 1 : 0,
        Question.missingFrom(a.names(), b).size() + Question.missingFrom(b.names(), a).size(),
        a.asks().equals(b.asks()) ? 0 : 1,
        -Math.log(1.001 - cosine),
    };
  }

  /** {@code x} followed by {@code x[i] * x[j]} for every {@code i <= j}. */
  public static double[] withProducts(double[] x) {
    int n = x.length;
    double[] out = new double[n + n * (n + 1) / 2];
    System.arraycopy(x, 0, out, 0, n);
    int k = n;
    for (int i = 0; i < n; i++) for (int j = i; j < n; j++) out[k++] = x[i] * x[j];
    return out;
  }

  /** The length of {@link #withProducts} for {@link #NAMES}. */
  static int expandedSize() {
    int n = NAMES.size();
    return n + n * (n + 1) / 2;
  }

  private static double jaccard(Set<String> a, Set<String> b) {
    if (a.isEmpty() && b.isEmpty()) return 1;
    int shared = 0;
    for (String s : a) if (b.contains(s)) shared++;
    return (double) shared / (a.size() + b.size() - shared);
  }

  private static Set<String> bigrams(Question q) {
    Set<String> grams = new HashSet<>();
    List<String> w = q.words();
    for (int i = 0; i + 1 < w.size(); i++) grams.add(w.get(i) + " " + w.get(i + 1));
    return grams;
  }

  private static Set<String> trigrams(Question q) {
    String s = " " + String.join(" ", q.words()) + " ";
    Set<String> grams = new HashSet<>();
    for (int i = 0; i + 3 <= s.length(); i++) grams.add(s.substring(i, i + 3));
    return grams;
  }
}
