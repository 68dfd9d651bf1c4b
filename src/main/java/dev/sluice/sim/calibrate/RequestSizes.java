package dev.sluice.sim.calibrate;

import dev.sluice.sim.profile.WorkloadSpec;
import java.util.SplittableRandom;

/**
 * The input and output sizes of a workload's requests, reproducible from a seed.
 *
 * <p>ShareGPT-like sizes: published vLLM benchmarks give only mean sizes (202 in, 179 out), so
 * sizes follow a log-normal with spread {@value #SIGMA}, the spread of generated lengths in the
 * Azure LLM inference trace 2023, conversation service (mean 211, median 129, so
 * sigma = sqrt(2 ln(211/129))). Outputs are capped at {@value #MAX_OUTPUT} tokens as in that trace,
 * and sizes are clamped the way vLLM's benchmark filters ShareGPT (prompt 4 to 1,024 tokens, output
 * at least 4, prompt plus output at most 2,048). Sizes are <em>stratified</em>: request {@code i}
 * gets the log-normal's {@code (k + 0.5) / n} quantile for a seeded permutation {@code k}, so a
 * 500-request run always holds the distribution's tail once, instead of by luck; the medians are
 * tuned so the sizes have the published means.
 */
public final class RequestSizes {
  private RequestSizes() {}

  static final double SIGMA = 0.99;
  static final int MAX_OUTPUT = 1000;

  /** {@code [i][0]} input tokens and {@code [i][1]} output tokens of request {@code i}. */
  public static int[][] of(WorkloadSpec w, long seed) {
    int n = w.requests();
    int[][] out = new int[n][2];
    if (w.lengths() == WorkloadSpec.Lengths.FIXED) {
      for (int[] r : out) {
        r[0] = w.inputTokens();
        r[1] = w.outputTokens();
      }
      return out;
    }
    double[] zIn = stratifiedNormal(n, new SplittableRandom(seed));
    double[] zOut = stratifiedNormal(n, new SplittableRandom(seed + 1));
    double medianIn = w.inputTokens() / Math.exp(SIGMA * SIGMA / 2);
    double medianOut = w.outputTokens() / Math.exp(SIGMA * SIGMA / 2);
    for (int iteration = 0; iteration < 40; iteration++) {
      fill(out, zIn, zOut, medianIn, medianOut);
      double meanIn = 0;
      double meanOut = 0;
      for (int[] r : out) {
        meanIn += r[0];
        meanOut += r[1];
      }
      medianIn *= w.inputTokens() / (meanIn / n);
      medianOut *= w.outputTokens() / (meanOut / n);
    }
    fill(out, zIn, zOut, medianIn, medianOut);
    return out;
  }

  private static void fill(int[][] out, double[] zIn, double[] zOut, double medianIn, double medianOut) {
    for (int i = 0; i < out.length; i++) {
      int in = clamp((int) Math.round(medianIn * Math.exp(SIGMA * zIn[i])), 4, 1024);
      int o = clamp((int) Math.round(medianOut * Math.exp(SIGMA * zOut[i])), 4, Math.min(MAX_OUTPUT, 2048 - in));
      out[i][0] = in;
      out[i][1] = o;
    }
  }

  private static int clamp(int v, int min, int max) {
    return Math.max(min, Math.min(max, v));
  }

  /** The {@code (k + 0.5) / n} quantiles of the standard normal, in a seeded random order. */
  private static double[] stratifiedNormal(int n, SplittableRandom random) {
    double[] z = new double[n];
    for (int k = 0; k < n; k++) z[k] = inverseNormal((k + 0.5) / n);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      double t = z[i];
      z[i] = z[j];
      z[j] = t;
    }
    return z;
  }

  /** The standard normal quantile function (Acklam's rational approximation, relative error below 1.2e-9). */
  static double inverseNormal(double p) {
    double[] a = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
        -3.066479806614716e+01, 2.506628277459239e+00};
    double[] b = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
        -1.328068155288572e+01};
    double[] c = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
        4.374664141464968e+00, 2.938163982698783e+00};
    double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
    double low = 0.02425;
    if (p < low) {
      double q = Math.sqrt(-2 * Math.log(p));
      return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
          / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - low) {
      double q = Math.sqrt(-2 * Math.log(1 - p));
      return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
          / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    double q = p - 0.5;
    double r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
}
