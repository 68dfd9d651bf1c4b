package dev.sluice.cache.semantic;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Trains the {@link Verifier}: a logistic regression fitted by Newton's method with an L2 penalty,
 * and the cosine floor, penalty and probability cutoff chosen by k-fold cross-validation on the
 * training pairs alone. For each setting the cutoff is the one at which out-of-fold predictions
 * find {@code targetRecall} of the duplicates; the setting kept is the one most precise there.
 * (Aiming at a recall rather than a precision: on labelled question pairs precision changes slowly
 * with the cutoff while recall changes fast, so a recall target lands where intended on new data.)
 * Deterministic: the same pairs give the same weights.
 */
public final class VerifierTraining {
  private VerifierTraining() {}

  /** A labelled pair: {@code duplicate} when the two questions ask the same thing. */
  public record Example(Question a, Question b, double cosine, boolean duplicate, int fold) {}

  static final double[] FLOORS = {0.80, 0.85};
  static final double[] PENALTIES = {1, 10, 100};

  /** Out-of-fold precision and recall of one setting. */
  record Scored(double floor, double l2, double cutoff, double precision, double recall) {}

  public static Verifier train(List<Example> examples, int folds, double targetRecall, String data,
      String sha256) {
    Scored best = null;
    for (double floor : FLOORS) {
      for (double l2 : PENALTIES) {
        Scored s = crossValidate(examples, folds, floor, l2, targetRecall);
        if (s != null && (best == null || s.precision > best.precision)) best = s;
      }
    }
    if (best == null) throw new IllegalStateException("no setting reaches recall " + targetRecall + " out of fold");
    Verifier fitted = fit(candidates(examples, best.floor, -1), best.l2, best.cutoff, best.floor);
    return new Verifier(fitted.features(), fitted.mean(), fitted.scale(), fitted.weights(), fitted.bias(),
        best.cutoff, best.floor, new Verifier.Provenance(data, sha256, examples.size(), folds, best.l2,
            round(best.precision), round(best.recall)));
  }

  private static double round(double x) {
    return Math.round(x * 10_000) / 10_000.0;
  }

  /** Scores every pair with a model that never saw it, then finds the cutoff for the target precision. */
  static Scored crossValidate(List<Example> examples, int folds, double floor, double l2, double targetRecall) {
    int positives = 0;
    for (Example e : examples) if (e.duplicate) positives++;
    List<double[]> scored = new ArrayList<>(); // {probability, label}
    for (int f = 0; f < folds; f++) {
      List<Example> train = candidates(examples, floor, f);
      Verifier v = fit(train, l2, 0.5, floor);
      for (Example e : examples) {
        if (e.fold != f || !eligible(e, floor)) continue;
        scored.add(new double[] {v.probability(PairFeatures.of(e.a, e.b, e.cosine)), e.duplicate ? 1 : 0});
      }
    }
    scored.sort((x, y) -> Double.compare(y[0], x[0]));
    int hits = 0;
    int right = 0;
    for (int i = 0; i < scored.size(); i++) {
      hits++;
      if (scored.get(i)[1] == 1) right++;
      boolean boundary = i + 1 == scored.size() || scored.get(i + 1)[0] < scored.get(i)[0];
      if (boundary && right >= targetRecall * positives) {
        return new Scored(floor, l2, scored.get(i)[0], (double) right / hits, (double) right / positives);
      }
    }
    return null;
  }

  private static boolean eligible(Example e, double floor) {
    return e.cosine >= floor && TrapGuard.between(e.a, e.b) == TrapGuard.Trap.NONE;
  }

  /** The pairs a verifier with this floor is asked about, leaving out fold {@code heldOut}. */
  private static List<Example> candidates(List<Example> examples, double floor, int heldOut) {
    return examples.stream().filter(e -> e.fold != heldOut && eligible(e, floor)).toList();
  }

  /** Fits standardised logistic regression by Newton's method (IRLS) with an L2 penalty off the bias. */
  static Verifier fit(List<Example> examples, double l2, double cutoff, double floor) {
    int n = PairFeatures.expandedSize();
    double[][] x = new double[examples.size()][];
    double[] y = new double[examples.size()];
    for (int i = 0; i < x.length; i++) {
      Example e = examples.get(i);
      x[i] = PairFeatures.withProducts(PairFeatures.of(e.a, e.b, e.cosine));
      y[i] = e.duplicate ? 1 : 0;
    }
    double[] mean = new double[n];
    double[] scale = new double[n];
    for (double[] row : x) for (int j = 0; j < n; j++) mean[j] += row[j] / x.length;
    for (double[] row : x) for (int j = 0; j < n; j++) scale[j] += (row[j] - mean[j]) * (row[j] - mean[j]) / x.length;
    for (int j = 0; j < n; j++) scale[j] = scale[j] > 1e-12 ? Math.sqrt(scale[j]) : 1;
    double[][] z = new double[x.length][n + 1];
    for (int i = 0; i < x.length; i++) {
      z[i][n] = 1;
      for (int j = 0; j < n; j++) z[i][j] = (x[i][j] - mean[j]) / scale[j];
    }
    double[] beta = new double[n + 1];
    for (int iteration = 0; iteration < 50; iteration++) {
      double[] gradient = new double[n + 1];
      double[][] hessian = new double[n + 1][n + 1];
      for (int i = 0; i < z.length; i++) {
        double p = 1 / (1 + Math.exp(-dot(beta, z[i])));
        double w = Math.max(p * (1 - p), 1e-9);
        double[] zi = z[i];
        for (int j = 0; j <= n; j++) {
          gradient[j] += (y[i] - p) * zi[j];
          double wz = w * zi[j];
          double[] row = hessian[j];
          for (int k = j; k <= n; k++) row[k] += wz * zi[k];
        }
      }
      for (int j = 0; j <= n; j++) for (int k = 0; k < j; k++) hessian[j][k] = hessian[k][j];
      for (int j = 0; j < n; j++) {
        gradient[j] -= l2 * beta[j];
        hessian[j][j] += l2;
      }
      double[] step = solve(hessian, gradient);
      double size = 0;
      for (int j = 0; j <= n; j++) {
        beta[j] += step[j];
        size = Math.max(size, Math.abs(step[j]));
      }
      if (size < 1e-8) break;
    }
    return new Verifier(PairFeatures.NAMES, mean, scale, Arrays.copyOf(beta, n), beta[n], cutoff, floor,
        new Verifier.Provenance("", "", examples.size(), 0, l2, 0, 0));
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  }

  /** Solves {@code a x = b} by Gaussian elimination with partial pivoting; {@code a} is small and positive definite. */
  private static double[] solve(double[][] a, double[] b) {
    int n = b.length;
    double[][] m = new double[n][];
    for (int i = 0; i < n; i++) {
      m[i] = Arrays.copyOf(a[i], n + 1);
      m[i][n] = b[i];
    }
    for (int c = 0; c < n; c++) {
      int pivot = c;
      for (int r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
      double[] t = m[c];
      m[c] = m[pivot];
      m[pivot] = t;
      for (int r = c + 1; r < n; r++) {
        double f = m[r][c] / m[c][c];
        for (int k = c; k <= n; k++) m[r][k] -= f * m[c][k];
      }
    }
    double[] x = new double[n];
    for (int r = n - 1; r >= 0; r--) {
      double s = m[r][n];
      for (int k = r + 1; k < n; k++) s -= m[r][k] * x[k];
      x[r] = s / m[r][r];
    }
    return x;
  }
}
