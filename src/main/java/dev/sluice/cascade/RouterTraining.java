package dev.sluice.cascade;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.provider.local.MiniLm;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * Trains a {@link CascadeRouter} from labelled prompts and their embeddings.
 *
 * <p>What is learned is what a threshold needs to rank prompts by: the expected gain of sending a
 * prompt to the strong model, {@code P(strong right) - P(cheap right)}. Each probability is its own
 * logistic regression (see {@link CascadeRouter} for the features): one prompt's pair of answers is
 * a noisy label (one multiple-choice answer each), and the regressions pool it with every other
 * prompt of the same probable source and shape instead of averaging a handful of neighbours.
 *
 * <p>Three hyper-parameters are chosen by {@value #FOLDS}-fold cross-validation on the training
 * prompts alone: the temperature of the source probabilities and the ridge penalties of the main
 * and of the source-by-shape weights. Each candidate is trained on four folds and scores the
 * fifth; its quality on a fold is the share of the strong model's accuracy its scores keep there,
 * on average over 20% to 60% of calls sent to the strong model. The choice follows the
 * one-standard-error rule ({@link #choose}): of the candidates whose mean quality over the folds
 * falls short of the best one's by at most the standard error of that shortfall, the most
 * regularised. Candidates differ by little, so the best mean alone is partly chance; the rule leans
 * towards smoother weights when the folds cannot tell them apart. The chosen candidate's out-of-fold
 * predictions give each training prompt's residuals for {@link NearDuplicates}, and its
 * out-of-fold scores the default threshold: the highest one (the fewest strong calls) that keeps
 * {@value #DEFAULT_QUALITY} of the strong model's accuracy on them. The router itself is then
 * trained on all prompts.
 */
public final class RouterTraining {
  /** The share of the strong model's accuracy the default threshold aims to keep. */
  public static final double DEFAULT_QUALITY = 0.95;
  static final int FOLDS = 5;
  static final double[] TEMPERATURES = {5, 10, 20};
  static final double[] PENALTIES = {1, 3};
  static final double[] INTERACTION_PENALTIES = {3, 10, 30};
  /** Only keeps the constant finite when every label is the same (tiny data); otherwise negligible. */
  private static final double INTERCEPT_PENALTY = 0.01;
  /** The strong-call shares over which candidates are compared. */
  private static final double[] SHARES = {0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55, 0.60};

  /** One candidate setting of the hyper-parameters. */
  record Settings(double temperature, double penalty, double interactionPenalty) {
    @Override
    public String toString() {
      return "temperature " + number(temperature) + ", penalty " + number(penalty) + ", interaction penalty "
          + number(interactionPenalty);
    }

    /**
     * How strongly these settings smooth the weights: the sum of each value's rank in its grid,
     * counted from the least smoothing one (for the temperature, the highest: a lower temperature
     * spreads the source probabilities over more sources; for the penalties, the lowest).
     */
    int regularisation() {
      return TEMPERATURES.length - 1 - rank(TEMPERATURES, temperature) + rank(PENALTIES, penalty)
          + rank(INTERACTION_PENALTIES, interactionPenalty);
    }

    private static int rank(double[] grid, double value) {
      for (int i = 0; i < grid.length; i++) if (grid[i] == value) return i;
      throw new IllegalArgumentException(value + " is not in the grid " + Arrays.toString(grid));
    }
  }

  /** A candidate's cross-validation: its quality on each held-out fold. */
  record Validated(Settings settings, double[] foldQualities) {
    double mean() {
      double sum = 0;
      for (double q : foldQualities) sum += q;
      return sum / foldQualities.length;
    }

    /**
     * How far this candidate's mean falls below {@code other}'s, fold by fold: the mean of the
     * differences and its standard error (their sample standard deviation over the square root of
     * their number). The folds are the same for every candidate, so the difference is compared
     * fold by fold: how hard a fold is moves every candidate's quality alike.
     */
    Shortfall shortfallFrom(Validated other) {
      int k = foldQualities.length;
      double[] d = new double[k];
      double mean = 0;
      for (int f = 0; f < k; f++) {
        d[f] = other.foldQualities[f] - foldQualities[f];
        mean += d[f] / k;
      }
      double squares = 0;
      for (double x : d) squares += (x - mean) * (x - mean);
      double standardError = k < 2 ? 0 : Math.sqrt(squares / (k - 1)) / Math.sqrt(k);
      return new Shortfall(mean, standardError);
    }
  }

  /** A mean difference over the folds and its standard error. */
  record Shortfall(double mean, double standardError) {
    boolean withinOneStandardError() {
      return mean <= standardError;
    }
  }

  private RouterTraining() {}

  /** Reads labelled prompts (a RouteLLM CSV or a folder of them), embeds them with MiniLM and trains. */
  public static CascadeRouter trainFromFile(Path data, long seed, Path cacheFile, PrintWriter progress) {
    List<LabelledPrompt> prompts = RoutingData.read(data);
    progress.printf("read %,d labelled prompts from %s%n", prompts.size(), data);
    progress.flush();
    return train(MiniLm.NAME, prompts, PromptEmbedder.embedAll(prompts, cacheFile, progress), seed, progress);
  }

  /**
   * Trains on the prompts, with the unit vectors of each one's opening and ending; {@code seed}
   * shuffles them into folds. Progress lines (the cross-validation) go to {@code progress}.
   */
  static CascadeRouter train(String embeddingModel, List<LabelledPrompt> prompts,
      List<PromptEmbedder.PromptVectors> vectors, long seed, PrintWriter progress) {
    if (prompts.size() != vectors.size()) throw new IllegalArgumentException("one pair of vectors per prompt is needed");
    if (prompts.size() < 8) throw new IllegalArgumentException("at least 8 labelled prompts are needed, got " + prompts.size());
    Data d = Data.of(prompts, vectors, seed);

    List<Validated> validated = new ArrayList<>();
    List<double[][]> outOfFolds = new ArrayList<>();
    for (double temperature : TEMPERATURES) {
      List<Settings> candidates = new ArrayList<>();
      for (double p : PENALTIES) for (double q : INTERACTION_PENALTIES) candidates.add(new Settings(temperature, p, q));
      double[][][] outOfFold = outOfFold(d, candidates);
      for (int k = 0; k < candidates.size(); k++) {
        double[] scores = gains(outOfFold[k][0], outOfFold[k][1]);
        double[] foldQualities = new double[FOLDS];
        for (int f = 0; f < FOLDS; f++) foldQualities[f] = meanQuality(d, scores, d.rows(f, true));
        validated.add(new Validated(candidates.get(k), foldQualities));
        outOfFolds.add(outOfFold[k]);
      }
      progress.printf("cross-validation, temperature %s done%n", number(temperature));
      progress.flush();
    }
    Validated top = validated.stream().max(Comparator.comparingDouble(Validated::mean)).orElseThrow();
    Validated chosen = choose(validated);
    Settings best = chosen.settings();
    double[][] bestOutOfFold = outOfFolds.get(validated.indexOf(chosen));
    progress.printf("best mean over the folds: %s, keeping %.2f%% of the strong model's accuracy on average at "
        + "20-60%% strong calls; the most regularised within one standard error of it: %s, %.2f%%%n",
        top.settings(), 100 * top.mean(), best, 100 * chosen.mean());
    progress.flush();
    List<ObjectNode> tried = new ArrayList<>();
    for (Validated v : validated) {
      ObjectNode row = JsonNodeFactory.instance.objectNode();
      row.put("temperature", v.settings().temperature());
      row.put("penalty", v.settings().penalty());
      row.put("interaction_penalty", v.settings().interactionPenalty());
      Shortfall shortfall = v.shortfallFrom(top);
      row.put("quality", round(v.mean()));
      row.put("shortfall", round(shortfall.mean()));
      row.put("shortfall_standard_error", round(shortfall.standardError()));
      tried.add(row);
    }

    float[] strongResiduals = new float[d.n];
    float[] cheapResiduals = new float[d.n];
    for (int i = 0; i < d.n; i++) {
      strongResiduals[i] = (float) ((d.strong[i] ? 1 : 0) - bestOutOfFold[0][i]);
      cheapResiduals[i] = (float) ((d.cheap[i] ? 1 : 0) - bestOutOfFold[1][i]);
    }
    double[] outOfFoldScores = new double[d.n];
    for (int f = 0; f < FOLDS; f++) {
      List<Integer> rest = d.rows(f, false);
      NearDuplicates memory = NearDuplicates.of(rest.stream().map(d.openings::get).toList(),
          pick(strongResiduals, rest), pick(cheapResiduals, rest));
      for (int i : d.rows(f, true)) {
        outOfFoldScores[i] = CascadeRouter.gain(bestOutOfFold[0][i], bestOutOfFold[1][i],
            memory.shift(d.openings.get(i)));
      }
    }
    PolicyCurve.Point point = PolicyCurve.of(prompts, outOfFoldScores).lowestShareReaching(DEFAULT_QUALITY);
    progress.printf("chosen: %s; out of fold, %.0f%% of the strong model's accuracy takes %.1f%% strong calls "
        + "(threshold %.3f)%n", best, 100 * DEFAULT_QUALITY, 100 * point.strongShare(), point.threshold());
    progress.flush();
    // A threshold above every score (no strong call needed) is written as a number just above the highest score.
    double threshold = Double.isInfinite(point.threshold()) ? Math.nextUp(1.0) : point.threshold();

    List<Integer> all = java.util.stream.IntStream.range(0, d.n).boxed().toList();
    SourceCentroids centroids = SourceCentroids.of(d.sources, d.openings, d.endings, d.source, best.temperature());
    LogisticRegression.Design x = d.design(all, all, best.temperature());
    double[] penalty = penalties(d.sources.size(), best);
    double[] strongWeights = LogisticRegression.fit(x, d.strong, penalty);
    double[] cheapWeights = LogisticRegression.fit(x, d.cheap, penalty);
    NearDuplicates memory = NearDuplicates.of(d.openings, strongResiduals, cheapResiduals);

    ObjectNode training = JsonNodeFactory.instance.objectNode();
    training.put("folds", FOLDS);
    training.put("seed", seed);
    training.put("criterion", "share of the strong model's accuracy kept, out of fold, on average at 20% to 60% "
        + "of calls to the strong model, mean over the folds; of the candidates whose shortfall from the best mean is "
        + "at most its standard error over the folds, the most regularised");
    training.put("temperature", best.temperature());
    training.put("penalty", best.penalty());
    training.put("interaction_penalty", best.interactionPenalty());
    training.put("out_of_fold_strong_share", round(point.strongShare()));
    ArrayNode candidates = training.putArray("candidates");
    tried.forEach(candidates::add);
    ObjectNode trainedOn = JsonNodeFactory.instance.objectNode();
    trainedOn.put("prompts", d.n);
    trainedOn.put("sources", d.sources.size());
    trainedOn.put("cheap_accuracy", round(count(d.cheap) / (double) d.n));
    trainedOn.put("strong_accuracy", round(count(d.strong) / (double) d.n));
    return new CascadeRouter(embeddingModel, d.openings.getFirst().length, centroids, d.shapeMean, d.shapeScale,
        strongWeights, cheapWeights, memory, threshold, training, trainedOn);
  }

  /**
   * Per candidate, the out-of-fold probabilities {strong, cheap} of every training prompt. The
   * candidates share a temperature, so each fold's features are built once.
   */
  private static double[][][] outOfFold(Data d, List<Settings> candidates) {
    double[][][] out = new double[candidates.size()][2][d.n];
    for (int f = 0; f < FOLDS; f++) {
      List<Integer> fit = d.rows(f, false);
      List<Integer> held = d.rows(f, true);
      double temperature = candidates.getFirst().temperature();
      LogisticRegression.Design x = d.design(fit, fit, temperature);
      LogisticRegression.Design heldX = d.design(fit, held, temperature);
      boolean[] strong = pick(d.strong, fit);
      boolean[] cheap = pick(d.cheap, fit);
      for (int k = 0; k < candidates.size(); k++) {
        double[] penalty = penalties(d.sources.size(), candidates.get(k));
        double[] ws = LogisticRegression.fit(x, strong, penalty);
        double[] wc = LogisticRegression.fit(x, cheap, penalty);
        for (int j = 0; j < held.size(); j++) {
          out[k][0][held.get(j)] = LogisticRegression.sigmoid(heldX.dot(j, ws));
          out[k][1][held.get(j)] = LogisticRegression.sigmoid(heldX.dot(j, wc));
        }
      }
    }
    return out;
  }

  private static double[] penalties(int sources, Settings s) {
    double[] p = new double[CascadeRouter.featureCount(sources)];
    int main = 1 + sources + PromptShape.NAMES.length;
    p[0] = INTERCEPT_PENALTY;
    Arrays.fill(p, 1, main, s.penalty());
    Arrays.fill(p, main, p.length, s.interactionPenalty());
    return p;
  }

  /** The scores before near duplicates: cross-validation compares the regressions alone. */
  private static double[] gains(double[] strong, double[] cheap) {
    double[] g = new double[strong.length];
    for (int i = 0; i < g.length; i++) g[i] = CascadeRouter.gain(strong[i], cheap[i], NearDuplicates.Shift.NONE);
    return g;
  }

  /**
   * The one-standard-error rule: of the candidates whose mean quality falls short of the best
   * mean by at most the standard error of that shortfall over the folds ({@link
   * Validated#shortfallFrom}), the most regularised ({@link Settings#regularisation}); among
   * equally regularised ones, the higher mean.
   */
  static Validated choose(List<Validated> validated) {
    Validated top = validated.stream().max(Comparator.comparingDouble(Validated::mean)).orElseThrow();
    return validated.stream()
        .filter(v -> v.shortfallFrom(top).withinOneStandardError())
        .max(Comparator.comparingInt((Validated v) -> v.settings().regularisation())
            .thenComparingDouble(Validated::mean))
        .orElseThrow();
  }

  /**
   * The share of the strong model's accuracy kept among {@code rows} when their top-scored ones go
   * to it, averaged over {@link #SHARES}.
   */
  static double meanQuality(Data d, double[] scores, List<Integer> rows) {
    int strongCorrect = 0;
    int cheapCorrect = 0;
    for (int i : rows) {
      if (d.strong[i]) strongCorrect++;
      if (d.cheap[i]) cheapCorrect++;
    }
    if (strongCorrect == 0) return 0;
    List<Integer> order = new ArrayList<>(rows);
    order.sort((a, b) -> Double.compare(scores[b], scores[a]));
    double total = 0;
    for (double share : SHARES) {
      int correct = cheapCorrect;
      int top = (int) Math.round(share * order.size());
      for (int j = 0; j < top; j++) correct += d.prompts.get(order.get(j)).gainFromStrong();
      total += (double) correct / strongCorrect;
    }
    return total / SHARES.length;
  }

  /** The training prompts with what every fit needs: sources, standardised shapes, labels and folds. */
  private static final class Data {
    final List<LabelledPrompt> prompts;
    final List<float[]> openings;
    final List<float[]> endings;
    final int n;
    final List<String> sources;
    final int[] source;
    final double[][] shapes;
    final double[] shapeMean;
    final double[] shapeScale;
    final boolean[] strong;
    final boolean[] cheap;
    final int[] fold;

    private Data(List<LabelledPrompt> prompts, List<PromptEmbedder.PromptVectors> vectors, long seed) {
      this.prompts = prompts;
      this.openings = vectors.stream().map(PromptEmbedder.PromptVectors::opening).toList();
      this.endings = vectors.stream().map(PromptEmbedder.PromptVectors::ending).toList();
      this.n = prompts.size();
      this.sources = List.copyOf(new TreeSet<>(prompts.stream().map(LabelledPrompt::source).toList()));
      this.source = new int[n];
      this.strong = new boolean[n];
      this.cheap = new boolean[n];
      double[][] raw = new double[n][];
      for (int i = 0; i < n; i++) {
        LabelledPrompt p = prompts.get(i);
        source[i] = Collections.binarySearch(sources, p.source());
        strong[i] = p.strongCorrect();
        cheap[i] = p.cheapCorrect();
        raw[i] = PromptShape.of(p.prompt());
      }
      int m = PromptShape.NAMES.length;
      shapeMean = new double[m];
      shapeScale = new double[m];
      for (int j = 0; j < m; j++) {
        double sum = 0;
        double squares = 0;
        for (double[] r : raw) {
          sum += r[j];
          squares += r[j] * r[j];
        }
        shapeMean[j] = sum / n;
        double sd = Math.sqrt(Math.max(0, squares / n - shapeMean[j] * shapeMean[j]));
        shapeScale[j] = sd > 1e-9 ? sd : 1; // a measure that never varies carries no information
      }
      shapes = new double[n][];
      for (int i = 0; i < n; i++) shapes[i] = CascadeRouter.standardised(raw[i], shapeMean, shapeScale);
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < n; i++) order.add(i);
      Collections.shuffle(order, new Random(seed));
      fold = new int[n];
      for (int j = 0; j < n; j++) fold[order.get(j)] = j % FOLDS;
    }

    static Data of(List<LabelledPrompt> prompts, List<PromptEmbedder.PromptVectors> vectors, long seed) {
      return new Data(prompts, vectors, seed);
    }

    /** The rows in fold {@code f} ({@code in}) or in the other folds. */
    List<Integer> rows(int f, boolean in) {
      List<Integer> out = new ArrayList<>();
      for (int i = 0; i < n; i++) if ((fold[i] == f) == in) out.add(i);
      return out;
    }

    /**
     * The features of {@code rows}, with source centroids made of {@code fitted}; a row among
     * {@code fitted} is left out of its own source's centroids, as a prompt at request time is in
     * no centroid.
     */
    LogisticRegression.Design design(List<Integer> fitted, List<Integer> rows, double temperature) {
      boolean[] isFitted = new boolean[n];
      for (int i : fitted) isFitted[i] = true;
      double[][] byOpening = similarities(openings, fitted, rows, isFitted);
      double[][] byEnding = similarities(endings, fitted, rows, isFitted);
      int c = sources.size();
      int width = CascadeRouter.featureCount(c);
      float[] values = new float[rows.size() * width];
      double[] z = new double[c];
      for (int r = 0; r < rows.size(); r++) {
        for (int s = 0; s < c; s++) z[s] = (byOpening[r][s] + byEnding[r][s]) / 2;
        double[] x = CascadeRouter.features(posterior(z, temperature), shapes[rows.get(r)]);
        for (int j = 0; j < width; j++) values[r * width + j] = (float) x[j];
      }
      return new LogisticRegression.Design(values, rows.size(), width);
    }

    /**
     * Per row, the cosine similarity of its vector to each source's centroid of {@code fitted}
     * (without the row itself), or {@code -Infinity} for a source with no other member.
     */
    private double[][] similarities(List<float[]> vectors, List<Integer> fitted, List<Integer> rows,
        boolean[] isFitted) {
      int dims = vectors.getFirst().length;
      int c = sources.size();
      double[] sums = new double[c * dims];
      int[] counts = new int[c];
      for (int i : fitted) {
        float[] v = vectors.get(i);
        counts[source[i]]++;
        for (int k = 0; k < dims; k++) sums[source[i] * dims + k] += v[k];
      }
      double[] squaredNorms = new double[c];
      for (int s = 0; s < c; s++) {
        for (int k = 0; k < dims; k++) squaredNorms[s] += sums[s * dims + k] * sums[s * dims + k];
      }
      double[][] out = new double[rows.size()][c];
      for (int r = 0; r < rows.size(); r++) {
        int i = rows.get(r);
        float[] v = vectors.get(i);
        for (int s = 0; s < c; s++) {
          double dot = 0;
          for (int k = 0; k < dims; k++) dot += v[k] * sums[s * dims + k];
          double norm2 = squaredNorms[s];
          boolean own = isFitted[i] && s == source[i];
          if (own) {
            double self = 0;
            for (int k = 0; k < dims; k++) self += (double) v[k] * v[k];
            norm2 = norm2 - 2 * dot + self;
            dot -= self;
          }
          int members = counts[s] - (own ? 1 : 0);
          out[r][s] = members == 0 || norm2 <= 1e-12 ? Double.NEGATIVE_INFINITY : dot / Math.sqrt(norm2);
        }
      }
      return out;
    }

    private static double[] posterior(double[] z, double temperature) {
      boolean any = false;
      for (double x : z) any |= x != Double.NEGATIVE_INFINITY;
      if (!any) {
        double[] uniform = new double[z.length];
        Arrays.fill(uniform, 1.0 / z.length);
        return uniform;
      }
      return SourceCentroids.softmax(z, temperature);
    }
  }

  private static boolean[] pick(boolean[] values, List<Integer> rows) {
    boolean[] out = new boolean[rows.size()];
    for (int j = 0; j < out.length; j++) out[j] = values[rows.get(j)];
    return out;
  }

  private static float[] pick(float[] values, List<Integer> rows) {
    float[] out = new float[rows.size()];
    for (int j = 0; j < out.length; j++) out[j] = values[rows.get(j)];
    return out;
  }

  private static int count(boolean[] values) {
    int c = 0;
    for (boolean b : values) if (b) c++;
    return c;
  }

  private static String number(double x) {
    return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
  }

  private static double round(double x) {
    return Math.round(x * 10_000) / 10_000.0;
  }
}
