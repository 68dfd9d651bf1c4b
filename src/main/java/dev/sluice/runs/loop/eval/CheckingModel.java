package dev.sluice.runs.loop.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.runs.LoopCheck;
import dev.sluice.runs.LoopFinding;
import dev.sluice.runs.RunCall;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model behind a loop check, as the run guard puts it: before each call of a run, the check
 * inspects the run's recent calls; a finding refuses the call with {@code run_loop_detected}.
 * Keeps each run's last {@code window} calls. Not thread-safe (one driver at a time).
 */
public final class CheckingModel implements AgentModel {

  private final AgentModel model;
  private final LoopCheck check;
  private final int window;
  private final Map<String, List<RunCall>> runs = new HashMap<>();

  public CheckingModel(AgentModel model, LoopCheck check, int window) {
    this.model = model;
    this.check = check;
    this.window = window;
  }

  @Override
  public Answer call(String run, Scenario scenario, ObjectNode request, int call) {
    List<RunCall> history = runs.computeIfAbsent(run, r -> new ArrayList<>());
    Optional<LoopFinding> found = check.inspect(List.copyOf(history), RunCall.next(request));
    if (found.isPresent()) {
      return new Answer(409, LOOP_REFUSED, null, found.get().pattern() + ": " + found.get().detail());
    }
    Answer a = model.call(run, scenario, request, call);
    history.add(new RunCall(request, a.message(), a.status(), a.errorCode()));
    if (history.size() > window) history.removeFirst();
    return a;
  }
}
