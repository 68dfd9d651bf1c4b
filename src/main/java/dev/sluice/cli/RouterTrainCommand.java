package dev.sluice.cli;

import dev.sluice.cascade.RouterTraining;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice router train}: trains a cascade router from labelled prompts and writes its file. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Train a cascade router from labelled prompts (RouteLLM response CSVs: per",
        "prompt, whether the cheap and the strong model answered correctly) and write",
        "the router file that a cascade's 'router:' key names.",
        "The router embeds each prompt with all-minilm-l6-v2 and predicts, from its",
        "probable source (file), its shape and its near duplicates, how likely each",
        "model is to answer it correctly; it scores P(strong right) - P(cheap right).",
        "Its settings are chosen by 5-fold cross-validation on the data, and its default",
        "threshold keeps 95% of the strong model's accuracy on the out-of-fold scores."})
final class RouterTrainCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--data", required = true, paramLabel = "FILE", description = "a RouteLLM response CSV, or a folder of them")
  Path data;

  @Option(names = "--out", required = true, paramLabel = "ROUTER", description = "the router file to write")
  Path out;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "seed of the cross-validation folds (default: ${DEFAULT-VALUE})")
  long seed;

  @Mixin
  EmbeddingCacheOption embeddingCache;

  @Override
  public Integer call() {
    return Cli.run(spec.commandLine().getErr(), () -> {
      var router = RouterTraining.trainFromFile(data, seed, embeddingCache.file, spec.commandLine().getErr());
      router.write(out);
      spec.commandLine().getOut().printf("wrote %s: default threshold %.3f%n", out, router.defaultThreshold());
      spec.commandLine().getOut().flush();
    });
  }
}
