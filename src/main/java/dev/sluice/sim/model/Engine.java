package dev.sluice.sim.model;

/**
 * An emulated inference server: accepts {@link Job}s and reports, through each job's
 * {@link JobListener}, when its tokens exist. Implementations are pure: time comes from their
 * {@link Scheduler} only, randomness from a seed.
 *
 * <p>Not thread-safe: call it on the scheduler's thread only.
 */
public sealed interface Engine permits BatchingEngine, ApiEngine {

  /** Submits {@code job} at the scheduler's current time. */
  Ticket submit(Job job, JobListener listener);

  /** Load figures at this instant. */
  EngineStats stats();

  /** A submitted job. */
  interface Ticket {
    /** Withdraws the job (the client went away): frees its queue place and KV blocks; no further callbacks. */
    void cancel();
  }
}
