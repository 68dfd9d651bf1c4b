package dev.sluice.sim.model;

import java.util.PriorityQueue;

/**
 * A discrete-event {@link Scheduler}: time jumps from one scheduled task to the next, so a model
 * driven by it runs as fast as the CPU allows. Deterministic: the same tasks scheduled in the same
 * order run in the same order at the same emulated times.
 *
 * <p>Not thread-safe; use it from one thread.
 */
public final class VirtualScheduler implements Scheduler {
  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  private long now;
  private long sequence;

  public VirtualScheduler() {
    this(0);
  }

  public VirtualScheduler(long startNanos) {
    this.now = startNanos;
  }

  @Override
  public long now() {
    return now;
  }

  @Override
  public Timer schedule(long atNanos, Runnable task) {
    Task t = new Task(Math.max(atNanos, now), sequence++, task);
    queue.add(t);
    return t;
  }

  /** Runs every task due at or before {@code untilNanos}, then sets the clock to it. */
  public void runUntil(long untilNanos) {
    while (!queue.isEmpty() && queue.peek().at <= untilNanos) {
      runNext();
    }
    now = Math.max(now, untilNanos);
  }

  /**
   * Runs tasks until none is left.
   *
   * @throws IllegalStateException after {@code maxTasks} tasks, which guards against a model that
   *     keeps itself busy forever
   */
  public void runAll(long maxTasks) {
    long ran = 0;
    while (!queue.isEmpty()) {
      if (ran++ >= maxTasks) {
        throw new IllegalStateException("still busy after " + maxTasks + " tasks at t=" + now + "ns");
      }
      runNext();
    }
  }

  /** Whether any task is still scheduled. */
  public boolean idle() {
    while (!queue.isEmpty() && queue.peek().cancelled) queue.poll();
    return queue.isEmpty();
  }

  private void runNext() {
    Task t = queue.poll();
    if (t.cancelled) return;
    now = Math.max(now, t.at);
    t.cancelled = true;
    t.action.run();
  }

  private static final class Task implements Timer, Comparable<Task> {
    final long at;
    final long seq;
    final Runnable action;
    boolean cancelled;

    Task(long at, long seq, Runnable action) {
      this.at = at;
      this.seq = seq;
      this.action = action;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }

    @Override
    public int compareTo(Task o) {
      int c = Long.compare(at, o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }
}
