package dev.sluice.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sluice eval}: offline evaluations of Sluice's policies on recorded data. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Evaluate Sluice's policies against recorded workloads, labelled data and scripted agents.",
    subcommands = {CacheReplayCommand.class, SemanticCacheEvalCommand.class, EvalCascadeCommand.class,
        EvalLoopsCommand.class})
final class EvalCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
