package dev.sluice.sim.model;

/**
 * What an {@link Engine} tells the submitter of a {@link Job}, on the scheduler's thread, in this
 * order: {@link #onScheduled} (again after each preemption), {@link #onToken} once per output token
 * in index order, then {@link #onFinished}; or {@link #onRejected} alone. Nothing follows a
 * cancellation. Implementations must be quick and must not throw.
 */
public interface JobListener {

  /**
   * The job joined the running batch at {@code nanos}.
   *
   * @param cachedPromptTokens prompt tokens found in the prefix cache, which it will not prefill
   */
  default void onScheduled(long nanos, int cachedPromptTokens) {}

  /** Output token {@code index} (0-based) exists at {@code nanos}; index 0 is the first token. */
  void onToken(int index, long nanos);

  /** The last output token was produced (or, for a prefill-only job, the prefill ended). */
  void onFinished(long nanos);

  /** The engine refused the job; no other callback follows. */
  void onRejected(Rejection rejection);
}
