package dev.sluice.runs;

import java.util.List;
import java.util.Optional;

/**
 * Decides whether the next call of an agent run continues a loop. A pure function of the run's
 * recent history: no clock, no I/O, no shared state, so it can be tested on recorded runs and
 * replayed offline. Which verdict a finding leads to (warn, slow down, stop) is the run guard's
 * decision, not the check's.
 */
@FunctionalInterface
public interface LoopCheck {

  /**
   * @param history the run's earlier calls, oldest first (a bounded window of the most recent ones)
   * @param next the call about to be made; its {@link RunCall#reply()} is {@code null}
   * @return the pattern it continues, or empty when the call looks like progress
   */
  Optional<LoopFinding> inspect(List<RunCall> history, RunCall next);
}
