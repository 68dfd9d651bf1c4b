package dev.sluice.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code sluice router}: the cascade router's offline tools. */
@Command(name = "router", mixinStandardHelpOptions = true,
    description = "Train the router that decides, per prompt, whether a cascade's cheap model suffices.",
    subcommands = {RouterTrainCommand.class})
final class RouterCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
