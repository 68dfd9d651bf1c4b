package dev.sluice.sim.model;

/**
 * The performance model's only source of time and its only way to act later: the seam between the
 * model and the world. The model never reads a wall clock; it asks {@link #now()} and registers
 * tasks with {@link #schedule}. A {@link VirtualScheduler} runs hours of emulated traffic in
 * seconds; the HTTP emulator drives the same model with a real-time implementation.
 *
 * <p>Contract: all calls, and all task runs, happen on one thread (the scheduler's). Time is in
 * emulated nanoseconds from an arbitrary origin and never goes backwards: while a task runs,
 * {@code now()} is the time it was scheduled for (or later, if it ran late), never earlier.
 */
public interface Scheduler {

  /** The current emulated time in nanoseconds. */
  long now();

  /**
   * Runs {@code task} at emulated time {@code atNanos}, or as soon as possible when that time has
   * passed. Tasks due at the same time run in the order they were scheduled.
   */
  Timer schedule(long atNanos, Runnable task);

  /** A scheduled task that may still be withdrawn. */
  interface Timer {
    /** Withdraws the task if it has not run yet; does nothing otherwise. */
    void cancel();
  }
}
