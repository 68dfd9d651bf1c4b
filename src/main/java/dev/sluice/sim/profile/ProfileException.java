package dev.sluice.sim.profile;

import java.util.List;

/** A profile file that cannot be used, with every problem found in it. */
public final class ProfileException extends RuntimeException {
  private final List<String> problems;

  public ProfileException(String source, List<String> problems) {
    super(source + ": " + (problems.size() == 1 ? problems.getFirst()
        : problems.size() + " problems:\n  - " + String.join("\n  - ", problems)));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
