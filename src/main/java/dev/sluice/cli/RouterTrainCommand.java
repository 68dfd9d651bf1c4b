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
        "The router embeds each prompt with all-minilm-l6-v2 and scores it by the",
        "answers of its nearest training prompts; its default threshold keeps 95% of",
        "the strong model's accuracy on a quarter of the data held out for the purpose."})
final class RouterTrainCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--data", required = true, paramLabel = "FILE", description = "a RouteLLM response CSV, or a folder of them")
  Path data;

  @Option(names = "--out", required = true, paramLabel = "ROUTER", description = "the router file to write")
  Path out;

  @Option(names = "--k", defaultValue = "" + RouterTraining.DEFAULT_K, paramLabel = "K",
      description = "neighbours averaged per score (default: ${DEFAULT-VALUE})")
  int k;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "seed of the held-out quarter (default: ${DEFAULT-VALUE})")
  long seed;

  @Mixin
  EmbeddingCacheOption embeddingCache;

  @Override
  public Integer call() {
    return Cli.run(spec.commandLine().getErr(), () -> {
      if (k < 1) throw new IllegalArgumentException("--k must be at least 1, got " + k);
      var router = RouterTraining.trainFromFile(data, k, seed, embeddingCache.file, spec.commandLine().getErr());
      router.write(out);
      spec.commandLine().getOut().printf("wrote %s: default threshold %.3f%n", out, router.defaultThreshold());
      spec.commandLine().getOut().flush();
    });
  }
}
