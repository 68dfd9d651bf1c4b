package dev.sluice.runs.loop.eval;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where a scripted agent's chat calls go: the offline {@link ScriptedModel} behind a
 * {@link CheckingModel}, or Sluice in front of the emulator ({@link GatewayModel}).
 */
public interface AgentModel {

  /** The error code of a call refused because the run is looping. */
  String LOOP_REFUSED = "run_loop_detected";

  /**
   * Makes one chat call for a run.
   *
   * @param run the run's id (the {@code X-Sluice-Run} header)
   * @param scenario the scenario being played (its tool script, its scripted failures)
   * @param request the chat-completion body
   * @param call the number of the call within the run, from 1
   */
  Answer call(String run, Scenario scenario, ObjectNode request, int call);

  /**
   * What came back.
   *
   * @param status the HTTP status
   * @param errorCode the OpenAI error code when the call failed, else {@code null}
   * @param message the assistant message ({@code content}, {@code tool_calls}) when it succeeded
   * @param detail the error message when it failed
   */
  record Answer(int status, String errorCode, ObjectNode message, String detail) {

    static Answer ok(ObjectNode message) {
      return new Answer(200, null, message, null);
    }

    boolean refusedAsLoop() {
      return LOOP_REFUSED.equals(errorCode);
    }
  }
}
