package dev.sluice.cache.semantic;

import dev.sluice.cache.SemanticMatcher;
import dev.sluice.provider.local.Embedder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.HdrHistogram.Histogram;
import org.apache.lucene.util.VectorUtil;

/**
 * Measures the semantic cache on labelled question pairs: for each pair, one question's answer is
 * stored in a context of its own and the other question is looked up through a real
 * {@link EmbeddingMatcher}. A hit on a duplicate pair is right, a hit on a non-duplicate is a wrong
 * answer served. Reports precision, recall and hit rate at the shipped default and at other cosine
 * floors, beside what the cosine alone would do. Pairs the shipped verifier was trained on are left
 * out ({@link PairSplit}).
 */
public final class SemanticCacheEvaluation {
  private SemanticCacheEvaluation() {}

  /** One way of deciding, scored: hits are lookups that found an answer. */
  public record Row(String rule, double threshold, int hits, int rightHits, int duplicates, int pairs) {
    public double precision() {
      return hits == 0 ? Double.NaN : (double) rightHits / hits;
    }

    public double recall() {
      return (double) rightHits / duplicates;
    }

    public double hitRate() {
      return (double) hits / pairs;
    }
  }

  /**
   * @param evaluated pairs scored; {@code skipped} pairs of the file belong to the verifier's training split
   * @param missLatency lookups that found nothing at the default, call to answer, model included (nanoseconds)
   */
  public record Report(int evaluated, int skipped, List<Row> rows, Histogram missLatency) {
    public String markdown() {
      StringBuilder out = new StringBuilder();
      out.append(String.format(Locale.ROOT, "%d pairs evaluated (%d duplicates); %d left out as the verifier's training split%n%n",
          evaluated, rows.getFirst().duplicates(), skipped));
      out.append("| rule | cosine floor | precision | recall | hit rate | hits |\n|---|---:|---:|---:|---:|---:|\n");
      for (Row r : rows) {
        out.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f | %d |%n", r.rule(), r.threshold(),
            r.precision(), r.recall(), r.hitRate(), r.hits()));
      }
      out.append(String.format(Locale.ROOT, "%nlookup on a miss (embedding + search + verifier, one at a time): p50 %.2f ms, p99 %.2f ms over %d misses%n",
          missLatency.getValueAtPercentile(50) / 1e6, missLatency.getValueAtPercentile(99) / 1e6, missLatency.getTotalCount()));
      return out.toString();
    }
  }

  public static Report run(List<QuestionPairs.Pair> all, Embedder model, Verifier verifier, double[] thresholds)
      throws InterruptedException, ExecutionException {
    List<QuestionPairs.Pair> pairs = all.stream().filter(p -> !p.training()).toList();
    int duplicates = (int) pairs.stream().filter(QuestionPairs.Pair::duplicate).count();
    MemoizingEmbedder embedder = new MemoizingEmbedder(model);
    List<Row> rows = new ArrayList<>();
    Histogram latency = null;
    List<Double> floors = new ArrayList<>();
    floors.add(Double.NaN);
    for (double t : thresholds) floors.add(t);
    for (double floor : floors) {
      try (EmbeddingMatcher<Boolean> matcher = new EmbeddingMatcher<>(embedder, verifier, 16)) {
        int hits = 0;
        int right = 0;
        for (int i = 0; i < pairs.size(); i++) {
          QuestionPairs.Pair p = pairs.get(i);
          SemanticMatcher.Context context = new SemanticMatcher.Context("eval", "eval", Integer.toString(i));
          matcher.add(context, p.question1(), p.duplicate()).toCompletionStage().toCompletableFuture().get();
          Optional<SemanticMatcher.Match<Boolean>> found =
              matcher.find(context, p.question2(), floor).toCompletionStage().toCompletableFuture().get();
          if (found.isPresent()) {
            hits++;
            if (p.duplicate()) right++;
          }
          matcher.purge(context::equals);
        }
        boolean isDefault = Double.isNaN(floor);
        rows.add(new Row(isDefault ? "default (guards + verifier)" : "guards + verifier",
            isDefault ? verifier.minimumSimilarity() : floor, hits, right, duplicates, pairs.size()));
        if (isDefault) latency = matcher.missLatency();
      }
    }
    for (double t : thresholds) rows.add(cosineOnly(pairs, embedder, t, duplicates));
    return new Report(pairs.size(), all.size() - pairs.size(), rows, latency);
  }

  /** What a cache that trusts the cosine alone would serve, from the vectors already made. */
  private static Row cosineOnly(List<QuestionPairs.Pair> pairs, MemoizingEmbedder embedder, double floor, int duplicates) {
    int hits = 0;
    int right = 0;
    for (QuestionPairs.Pair p : pairs) {
      float[] a = embedder.remembered(p.question1());
      float[] b = embedder.remembered(p.question2());
      if (a != null && b != null && VectorUtil.dotProduct(a, b) >= floor) {
        hits++;
        if (p.duplicate()) right++;
      }
    }
    return new Row("cosine alone", floor, hits, right, duplicates, pairs.size());
  }

  /** Embeds the training split of {@code all} and trains a verifier on it (see {@link VerifierTraining}). */
  public static Verifier train(List<QuestionPairs.Pair> all, Embedder model, int folds, double targetRecall,
      String data, String sha256) throws InterruptedException, ExecutionException {
    List<QuestionPairs.Pair> pairs = all.stream().filter(QuestionPairs.Pair::training).toList();
    List<VerifierTraining.Example> examples = new ArrayList<>(pairs.size());
    for (QuestionPairs.Pair p : pairs) {
      if (p.question1().isBlank() || p.question2().isBlank()) continue;
      List<float[]> v = model.embed(List.of(p.question1(), p.question2()))
          .toCompletionStage().toCompletableFuture().get().vectors();
      examples.add(new VerifierTraining.Example(Question.of(p.question1()), Question.of(p.question2()),
          VectorUtil.dotProduct(v.get(0), v.get(1)), p.duplicate(),
          PairSplit.fold(p.question1(), p.question2(), folds)));
    }
    return VerifierTraining.train(examples, folds, targetRecall, data, sha256);
  }
}
