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
        "With --router, evaluates that router on all of DIR instead."})
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
      PrintWriter out = spec.commandLine().getOut();
      print(CascadeEvaluation.run(data, router, trainFraction, seed, embeddingCache.file, spec.commandLine().getErr()), out);
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
    boolean met = best.strongShare() <= 0.40 + 1e-12;
    out.printf("%nlowest share of strong calls keeping 95%% of the strong model's accuracy: %s at threshold %s "
        + "(accuracy %s); target (at most 40%%) %s%n", percent(best.strongShare()), threshold(best.threshold()),
        percent(best.accuracy()), met ? "met" : "missed");
    out.flush();
  }

  private static String percent(double x) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * x);
  }

  private static String threshold(double x) {
    return Double.isInfinite(x) ? "none" : String.format(Locale.ROOT, "%.3f", x);
  }
}
