package dev.sluice.cli;

import dev.sluice.cache.semantic.QuestionPairs;
import dev.sluice.cache.semantic.SemanticCacheEvaluation;
import dev.sluice.cache.semantic.Verifier;
import dev.sluice.provider.local.Embedder;
import dev.sluice.provider.local.MiniLm;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice eval semantic-cache}: precision and recall of the semantic cache on question pairs, or retraining its verifier. */
@Command(name = "semantic-cache", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Measure the semantic cache on labelled question pairs: a CSV with the columns",
        "question1, question2, is_duplicate (as in MeanCache's val.csv). For each pair",
        "the first question's answer is stored and the second is looked up through the",
        "real matcher (MiniLM embeddings, trap guards, verifier). Prints precision,",
        "recall and hit rate at the default and at other cosine floors, beside the",
        "cosine alone, and the lookup latency on a miss. Pairs of the verifier's",
        "training split are left out.",
        "",
        "With --train, trains the verifier on the file's training split instead",
        "(cross-validated) and writes its weights to --out.",
        "",
        "Examples:",
        "  sluice eval semantic-cache --data val.csv",
        "  sluice eval semantic-cache --data val.csv --train \\",
        "      --out src/main/resources/dev/sluice/cache/semantic/verifier.json"})
final class SemanticCacheEvalCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--data", required = true, paramLabel = "FILE.csv", description = "labelled question pairs")
  Path data;

  @Option(names = "--thresholds", split = ",", paramLabel = "COSINE",
      description = "cosine floors to sweep (default: ${DEFAULT-VALUE})", defaultValue = "0.80,0.85,0.90,0.925,0.95,0.975")
  List<Double> thresholds = new ArrayList<>();

  @Option(names = "--limit", paramLabel = "N", description = "use only the first N pairs of the file")
  Integer limit;

  @Option(names = "--train", description = "train the verifier instead of evaluating")
  boolean train;

  @Option(names = "--out", paramLabel = "FILE", description = "with --train: where to write the weights (default: stdout)")
  Path out;

  @Option(names = "--folds", paramLabel = "K", description = "with --train: cross-validation folds (default: ${DEFAULT-VALUE})", defaultValue = "5")
  int folds;

  @Option(names = "--target-recall", paramLabel = "R",
      description = "with --train: out-of-fold recall the cutoff aims at (default: ${DEFAULT-VALUE})", defaultValue = "0.20")
  double targetRecall;

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    return Cli.run(spec.commandLine().getErr(), () -> {
      if (!Files.isRegularFile(data)) throw new IllegalArgumentException("no such file: " + data);
      List<QuestionPairs.Pair> pairs = QuestionPairs.read(data);
      if (limit != null) pairs = pairs.subList(0, Math.min(limit, pairs.size()));
      try (Embedder model = MiniLm.start()) {
        if (train) {
          Verifier v = SemanticCacheEvaluation.train(pairs, model, folds, targetRecall,
              data.getFileName().toString(), QuestionPairs.sha256(data));
          if (out == null) stdout.print(v.toJson());
          else Files.writeString(out, v.toJson());
          stdout.printf("trained on %d pairs; out of fold: precision %.3f, recall %.3f at cutoff %.3f, cosine floor %.2f%n",
              v.provenance().trainingPairs(), v.provenance().cvPrecision(), v.provenance().cvRecall(), v.cutoff(),
              v.minimumSimilarity());
        } else {
          double[] floors = thresholds.stream().mapToDouble(Double::doubleValue).toArray();
          stdout.print(SemanticCacheEvaluation.run(pairs, model, Verifier.shipped(), floors).markdown());
        }
      }
      stdout.flush();
    });
  }
}
