package dev.sluice.cascade;

import java.util.Arrays;

/**
 * Fits a logistic regression with a ridge (L2) penalty per weight: minimises
 * {@code sum_i [log(1 + e^z_i) - y_i z_i] + 1/2 sum_j penalty_j w_j^2} with {@code z = X w}, by
 * L-BFGS with a backtracking line search. The loss is convex, so the result depends on the data,
 * not on a starting point; single-threaded and deterministic. Pure.
 */
final class LogisticRegression {
  private static final int HISTORY = 10;
  private static final int MAX_ITERATIONS = 500;

  private LogisticRegression() {}

  /** Rows of features, stored row after row: {@code values[i * columns + j]}. */
  record Design(float[] values, int rows, int columns) {
    Design {
      if (values.length != rows * columns) throw new IllegalArgumentException("not rows x columns values");
    }

    double dot(int row, double[] w) {
      int base = row * columns;
      double z = 0;
      for (int j = 0; j < columns; j++) z += values[base + j] * w[j];
      return z;
    }
  }

  /** The probability that the label is true for one row of features. */
  static double probability(double[] weights, double[] features) {
    double z = 0;
    for (int j = 0; j < weights.length; j++) z += weights[j] * features[j];
    return sigmoid(z);
  }

  static double sigmoid(double z) {
    return 1 / (1 + Math.exp(-z));
  }

  /** The weights minimising the penalised loss; {@code penalty} holds one value per column. */
  static double[] fit(Design x, boolean[] y, double[] penalty) {
    int d = x.columns();
    if (y.length != x.rows() || penalty.length != d) throw new IllegalArgumentException("one label per row and one penalty per column");
    double[] w = new double[d];
    double[] g = new double[d];
    double f = lossAndGradient(x, y, penalty, w, g);
    double[][] s = new double[HISTORY][];
    double[][] t = new double[HISTORY][];
    double[] rho = new double[HISTORY];
    int stored = 0;
    double[] nextW = new double[d];
    double[] nextG = new double[d];
    // Ranking needs the weights to a few digits, not to machine precision.
    double tolerance = 1e-6 * Math.max(1, x.rows());
    for (int iteration = 0; iteration < MAX_ITERATIONS && maxAbs(g) > tolerance; iteration++) {
      double[] direction = direction(g, s, t, rho, stored);
      double slope = dot(direction, g);
      if (slope >= 0) { // not a descent direction (rounding): restart from the gradient
        stored = 0;
        direction = negated(g);
        slope = dot(direction, g);
      }
      double step = stored == 0 ? Math.min(1, 1 / Math.sqrt(dot(g, g))) : 1;
      double nextF;
      while (true) {
        for (int j = 0; j < d; j++) nextW[j] = w[j] + step * direction[j];
        nextF = lossAndGradient(x, y, penalty, nextW, nextG);
        if (nextF <= f + 1e-4 * step * slope || step < 1e-12) break;
        step /= 2;
      }
      double[] sk = new double[d];
      double[] tk = new double[d];
      for (int j = 0; j < d; j++) {
        sk[j] = nextW[j] - w[j];
        tk[j] = nextG[j] - g[j];
      }
      double st = dot(sk, tk);
      if (st > 1e-12) {
        int slot = stored < HISTORY ? stored++ : shift(s, t, rho);
        s[slot] = sk;
        t[slot] = tk;
        rho[slot] = 1 / st;
      }
      boolean settled = f - nextF <= 1e-10 * Math.max(1, Math.abs(f));
      System.arraycopy(nextW, 0, w, 0, d);
      System.arraycopy(nextG, 0, g, 0, d);
      f = nextF;
      if (settled) break;
    }
    return w;
  }

  /** The L-BFGS direction: minus the gradient times the inverse-Hessian estimate of the stored pairs. */
  private static double[] direction(double[] g, double[][] s, double[][] t, double[] rho, int stored) {
    double[] q = negated(g);
    double[] alpha = new double[stored];
    for (int k = stored - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(s[k], q);
      for (int j = 0; j < q.length; j++) q[j] -= alpha[k] * t[k][j];
    }
    if (stored > 0) {
      double scale = dot(s[stored - 1], t[stored - 1]) / dot(t[stored - 1], t[stored - 1]);
      for (int j = 0; j < q.length; j++) q[j] *= scale;
    }
    for (int k = 0; k < stored; k++) {
      double beta = rho[k] * dot(t[k], q);
      for (int j = 0; j < q.length; j++) q[j] += (alpha[k] - beta) * s[k][j];
    }
    return q;
  }

  /** Drops the oldest pair and returns the freed last slot. */
  private static int shift(double[][] s, double[][] t, double[] rho) {
    System.arraycopy(s, 1, s, 0, HISTORY - 1);
    System.arraycopy(t, 1, t, 0, HISTORY - 1);
    System.arraycopy(rho, 1, rho, 0, HISTORY - 1);
    return HISTORY - 1;
  }

  private static double lossAndGradient(Design x, boolean[] y, double[] penalty, double[] w, double[] g) {
    int d = x.columns();
    float[] v = x.values();
    double loss = 0;
    Arrays.fill(g, 0);
    for (int i = 0; i < x.rows(); i++) {
      double z = x.dot(i, w);
      // log(1 + e^z) without overflow
      loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - (y[i] ? z : 0);
      double r = sigmoid(z) - (y[i] ? 1 : 0);
      int base = i * d;
      for (int j = 0; j < d; j++) g[j] += r * v[base + j];
    }
    for (int j = 0; j < d; j++) {
      loss += 0.5 * penalty[j] * w[j] * w[j];
      g[j] += penalty[j] * w[j];
    }
    return loss;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int j = 0; j < a.length; j++) s += a[j] * b[j];
    return s;
  }

  private static double maxAbs(double[] a) {
    double m = 0;
    for (double x : a) m = Math.max(m, Math.abs(x));
    return m;
  }

  private static double[] negated(double[] a) {
    double[] out = new double[a.length];
    for (int j = 0; j < a.length; j++) out[j] = -a[j];
    return out;
  }
}
