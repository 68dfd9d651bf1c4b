package dev.sluice.cli;

import dev.sluice.sim.calibrate.CalibrationPlot;
import dev.sluice.sim.profile.Profile;
import dev.sluice.sim.profile.ProfileLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice sim plot}: draws each batching profile against concurrency with its published points. */
@Command(name = "plot", mixinStandardHelpOptions = true,
    description = {"Plot each batching profile against concurrency (PNG).",
        "Throughput, time to first token and time per output token, emulated in",
        "virtual time, with the published figures each profile is calibrated on."})
final class SimPlotCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "docs/img", description = "directory to write <profile>.png into (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = {"-p", "--profile"}, paramLabel = "NAME", description = "plot only these profiles (default: every shipped batching profile)")
  List<String> profiles = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    System.setProperty("java.awt.headless", "true");
    List<Profile> chosen = profiles.isEmpty() ? ProfileLoader.shipped() : profiles.stream().map(ProfileLoader::load).toList();
    for (Profile p : chosen) {
      if (!(p.performance() instanceof Profile.Performance.Batching)) continue;
      Path png = out.resolve(p.name() + ".png");
      CalibrationPlot.write(p, png);
      spec.commandLine().getOut().println("wrote " + png);
    }
    return 0;
  }
}
