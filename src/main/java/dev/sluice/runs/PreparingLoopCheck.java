package dev.sluice.runs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import java.util.List;

/**
 * A loop check that needs work done off the caller's thread before it can decide, such as a model
 * to run over the texts it compares. The run guard calls {@link #prepare} before it admits a call
 * and {@link #inspect} once that has completed (under the run's lock, where it must stay cheap), and
 * tells it of each answer as soon as the answer is known, so that the work for the next call can
 * start before that call arrives.
 *
 * <p>{@link #inspect} stays a pure function of the history and of the work done so far: what is not
 * prepared yet may delay a finding, never cause one.
 */
public interface PreparingLoopCheck extends LoopCheck {

  /**
   * Starts, or finds already started, the work {@link #inspect} will want for {@code next}, and
   * completes when it is done. Never fails. Called on a Vert.x context; the future may complete on
   * another one.
   */
  Future<Void> prepare(List<RunCall> history, RunCall next);

  /** A call of a run was answered with this assistant message ({@code content}, {@code tool_calls}). */
  void answered(ObjectNode assistantMessage);
}
