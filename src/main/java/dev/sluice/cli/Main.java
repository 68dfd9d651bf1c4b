package dev.sluice.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sluice} command line: one subcommand per job. */
@Command(
    name = "sluice",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "An inference control plane: one OpenAI-compatible endpoint in front of all your models.",
    subcommands = {DemoCommand.class, ServeCommand.class, CheckConfigCommand.class, SimCommand.class,
        TenantsCommand.class, KeysCommand.class, UsageCommand.class, InvoiceCommand.class, RunsCommand.class,
        RouterCommand.class, EvalCommand.class, CommandLine.HelpCommand.class},
    footer = {"", "From a source checkout, `./sluice test` builds Sluice and runs its tests."})
public final class Main implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("demo") && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      // the demo talks through its progress bar and summary; only warnings of the gateway show
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
      // a start-up on a busy machine is no news for someone trying Sluice out
      System.setProperty("org.slf4j.simpleLogger.log.io.vertx.core.impl.BlockedThreadChecker", "error");
    }
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, also used by tests. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Main());
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    return cli;
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"sluice " + (v == null ? "dev" : v)};
    }
  }
}
