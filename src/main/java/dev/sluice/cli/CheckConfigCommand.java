package dev.sluice.cli;

import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.GatewayConfig.DeploymentConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sluice check-config FILE}: validates a config file and says what it would serve. */
@Command(name = "check-config", mixinStandardHelpOptions = true,
    description = "Validate a config file: print every problem with its line, or a summary of what it serves.")
final class CheckConfigCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "FILE", description = "the YAML config file")
  Path file;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try {
      List<String> warnings = new ArrayList<>();
      GatewayConfig c = CacheHeapCheck.require(ConfigLoader.fromEnvironment().load(file), warnings::add);
      out.println(file + ": OK");
      out.println("  listen " + c.listen() + (c.adminKey().isPresent() ? ", admin key set" : ", no admin key (loopback only)"));
      for (ModelConfig m : c.models()) {
        StringBuilder sb = new StringBuilder("  model ").append(m.name()).append(": ");
        boolean first = true;
        for (DeploymentConfig d : m.deployments()) {
          if (!first) sb.append(", ");
          first = false;
          sb.append(d.id()).append(" (").append(d.provider().wireName());
          if (!d.baseUrl().getScheme().equals("local")) sb.append(" ").append(d.baseUrl());
          sb.append(", pool ").append(d.pool()).append(")");
        }
        m.cascade().ifPresent(cc -> sb.append("cascade of ").append(cc.cheap()).append(" and ").append(cc.strong())
            .append(cc.router().isPresent() ? ", by router" : ", by the cheap answer's confidence"));
        if (!m.fallbacks().isEmpty()) sb.append("; falls back to ").append(String.join(", ", m.fallbacks()));
        out.println(sb);
      }
      for (String w : warnings) out.println("  warning: " + w);
      return 0;
    } catch (ConfigException e) {
      spec.commandLine().getErr().println(e.getMessage());
      return 1;
    }
  }
}
