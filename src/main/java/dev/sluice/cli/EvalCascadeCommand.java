package dev.sluice.cli;

import dev.sluice.cascade.CascadeEvaluation;
import dev.sluice.cascade.PolicyCurve;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice eval cascade}: a cascade router's cost and quality on labelled routing data. */
@Command(name = "cascade", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Evaluate cascade routing on labelled data (RouteLLM response files: per prompt,",
        "whether the cheap and the strong model answered correctly).",
        "Trains a router on one part of DIR and prints, for the rest: accuracy, share of",
        "calls sent to the strong model and cost, for always-strong, always-cheap, a",
        "random mix, the router at several thresholds and the oracle.",
        "With --splits K, repeats the split K times (seeds N, N+1...) and prints one line",
        "per split and their mean. With --router, evaluates that router on all of DIR instead."})
final class EvalCascadeCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--data", required = true, paramLabel = "DIR", description = "folder (or one file) of RouteLLM response CSVs")
  Path data;

  @Option(names = "--train-fraction", defaultValue = "0.5", paramLabel = "F",
      description = "share of prompts to train on (default: ${DEFAULT-VALUE})")
  double trainFraction;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "seed of the train/test split (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--splits", defaultValue = "1", paramLabel = "K",
      description = "train/evaluate splits to run, with seeds N to N+K-1 (default: ${DEFAULT-VALUE})")
  int splits;

  @Option(names = "--router", paramLabel = "FILE", description = "evaluate this trained router on all of DIR")
  Path router;

  @Mixin
  EmbeddingCacheOption embeddingCache;

  @Override
  public Integer call() {
    return Cli.run(spec.commandLine().getErr(), () -> {
      if (!(trainFraction > 0 && trainFraction < 1)) {
        throw new IllegalArgumentException("--train-fraction must be between 0 and 1 (exclusive), got " + trainFraction);
      }
      if (splits > 1 && router != null) {
        throw new IllegalArgumentException("--splits trains a router per split; it cannot be used with --router");
      }
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (splits == 1) {
        print(CascadeEvaluation.run(data, router, trainFraction, seed, embeddingCache.file, err), out);
        if (router == null) {
          out.println("one split's share moves by a point or two from seed to seed; --splits 10 prints the mean of ten");
          out.flush();
        }
      } else {
        printSplits(CascadeEvaluation.runSplits(data, trainFraction, seed, splits, embeddingCache.file, err), seed, out);
      }
    });
  }

  static void print(CascadeEvaluation.Report report, PrintWriter out) {
    out.println(report.description());
    out.printf("cost: shipped price table, %s (strong) and %s (cheap)%n%n", CascadeEvaluation.STRONG_PRICE,
        CascadeEvaluation.CHEAP_PRICE);
    Table t = new Table(List.of("policy", "threshold", "accuracy", "of strong", "to strong", "cost ($)"),
        false, true, true, true, true, true);
    for (CascadeEvaluation.Row r : report.rows()) {
      t.add(List.of(r.policy(), Double.isNaN(r.threshold()) ? "" : threshold(r.threshold()),
          percent(r.accuracy()), percent(r.quality()), percent(r.strongShare()), Amounts.usd(r.cost().toUsd(), 2)));
    }
    t.print(out);
    PolicyCurve.Point best = report.best();
    boolean met = meetsTarget(best.strongShare());
    out.printf("%nlowest share of strong calls keeping 95%% of the strong model's accuracy: %s at threshold %s "
        + "(accuracy %s); target (at most 40%%) %s%n", percent(best.strongShare()), threshold(best.threshold()),
        percent(best.accuracy()), met ? "met" : "missed");
    out.flush();
  }

  /**
   * One line per split (its seed; the fewest strong calls keeping 95% of the strong model's
   * accuracy; the quality at the target share; the default threshold's strong calls and quality),
   * then their means, and how the target fares on the mean and on each split.
   */
  static void printSplits(List<CascadeEvaluation.Report> reports, long firstSeed, PrintWriter out) {
    out.println(reports.getFirst().description().replaceFirst("\\(seed \\d+\\)", "(one split per seed)"));
    out.println();
    Table t = new Table(List.of("seed", "strong calls for 95%", "quality at 40% strong", "default: strong calls",
        "default: quality"), false, true, true, true, true);
    double[] sums = new double[4];
    int met = 0;
    double lowest = Double.POSITIVE_INFINITY;
    double highest = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < reports.size(); k++) {
      CascadeEvaluation.Report r = reports.get(k);
      double[] v = {r.best().strongShare(), r.atTargetShare().quality(), r.atDefaultThreshold().strongShare(),
          r.atDefaultThreshold().quality()};
      for (int j = 0; j < v.length; j++) sums[j] += v[j];
      if (meetsTarget(v[0])) met++;
      lowest = Math.min(lowest, v[0]);
      highest = Math.max(highest, v[0]);
      t.add(List.of(Long.toString(firstSeed + k), percent(v[0]), percent(v[1]), percent(v[2]), percent(v[3])));
    }
    int n = reports.size();
    t.add(List.of("mean", percent(sums[0] / n), percent(sums[1] / n), percent(sums[2] / n), percent(sums[3] / n)));
    t.print(out);
    out.printf("%nlowest share of strong calls keeping 95%% of the strong model's accuracy, mean of %d splits "
        + "(seeds %d to %d): %s (%s to %s); target (at most 40%%) %s on the mean, met on %d of %d splits%n", n,
        firstSeed, firstSeed + n - 1, percent(sums[0] / n), percent(lowest), percent(highest),
        meetsTarget(sums[0] / n) ? "met" : "missed", met, n);
    out.flush();
  }

  private static boolean meetsTarget(double strongShare) {
    return strongShare <= CascadeEvaluation.TARGET_SHARE + 1e-12;
  }

  private static String percent(double x) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * x);
  }

  private static String threshold(double x) {
    return Double.isInfinite(x) ? "none" : String.format(Locale.ROOT, "%.3f", x);
  }
}
