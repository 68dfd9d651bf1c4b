package dev.sluice.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sluice eval}: scores a Sluice mechanism on data kept in the repository. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Score a Sluice mechanism on scripted data.",
    subcommands = {EvalLoopsCommand.class})
final class EvalCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
