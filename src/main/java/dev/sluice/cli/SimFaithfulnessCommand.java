package dev.sluice.cli;

import dev.sluice.sim.calibrate.Faithfulness;
import dev.sluice.sim.profile.Profile;
import dev.sluice.sim.profile.ProfileLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice sim faithfulness}: prints emulated versus published figures as a Markdown table. */
@Command(name = "faithfulness", mixinStandardHelpOptions = true,
    description = {"Print emulated against published figures (Markdown).",
        "Runs every calibration point of the profiles in virtual time; exits 1 when",
        "a checked point is off by more than its tolerance."})
final class SimFaithfulnessCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = {"-p", "--profile"}, paramLabel = "NAME", description = "check only these profiles (default: every shipped profile)")
  List<String> profiles = new ArrayList<>();

  @Override
  public Integer call() {
    List<Profile> chosen = profiles.isEmpty() ? ProfileLoader.shipped() : profiles.stream().map(ProfileLoader::load).toList();
    List<Faithfulness.Row> rows = new ArrayList<>();
    for (Profile p : chosen) rows.addAll(Faithfulness.check(p));
    spec.commandLine().getOut().print(Faithfulness.markdown(rows));
    spec.commandLine().getOut().flush();
    return rows.stream().allMatch(Faithfulness.Row::passes) ? 0 : 1;
  }
}
