package dev.sluice.sim.server;

import dev.sluice.sim.model.Scheduler;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.PriorityQueue;

/**
 * Runs the performance model against the wall clock on one Vert.x event loop, optionally faster
 * than real time: emulated time is {@code speedup} times the wall time elapsed since start. This
 * class, not the model, reads the wall clock.
 *
 * <p>Tasks run in emulated-time order; while one runs, {@link #now()} is its scheduled time, so a
 * model that falls behind the wall clock (timers fire at millisecond granularity) catches up
 * without drift. Input from outside (an HTTP request) must first call {@link #runDue()}, so it
 * happens after every task due before it. At most {@value #MAX_TASKS_PER_TURN} tasks run per
 * event-loop turn, so a busy model never starves the network.
 *
 * <p>Not thread-safe: every method must be called on the event loop of {@code context}.
 */
final class RealTimeScheduler implements Scheduler {
  private static final int MAX_TASKS_PER_TURN = 20_000;

  private final Vertx vertx;
  private final Context context;
  private final double speedup;
  private final long wallOrigin;
  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  private long sequence;
  private long current;
  private boolean dispatching;
  private long timerId = -1;
  private long timerDueWallNanos = Long.MAX_VALUE;
  private boolean turnQueued;

  RealTimeScheduler(Vertx vertx, Context context, double speedup) {
    if (!(speedup > 0)) throw new IllegalArgumentException("speedup must be positive");
    this.vertx = vertx;
    this.context = context;
    this.speedup = speedup;
    this.wallOrigin = System.nanoTime();
  }

  double speedup() {
    return speedup;
  }

  /** Emulated nanoseconds since start by the wall clock. */
  private long wallNow() {
    return (long) ((System.nanoTime() - wallOrigin) * speedup);
  }

  @Override
  public long now() {
    return dispatching ? current : Math.max(current, wallNow());
  }

  /** Emulated seconds since start. */
  double secondsSinceStart() {
    return now() / 1e9;
  }

  /** Wall-clock milliseconds that {@code emulatedNanos} of emulated time take. */
  double wallMillis(long emulatedNanos) {
    return emulatedNanos / speedup / 1e6;
  }

  @Override
  public Timer schedule(long atNanos, Runnable action) {
    Task t = new Task(Math.max(atNanos, current), sequence++, action);
    queue.add(t);
    if (!dispatching) arm();
    return t;
  }

  /** Runs every task already due by the wall clock; call before acting on outside input. */
  void runDue() {
    if (dispatching) return;
    dispatch();
  }

  private void dispatch() {
    dispatching = true;
    try {
      long limit = wallNow();
      int ran = 0;
      while (!queue.isEmpty() && queue.peek().at <= limit && ran < MAX_TASKS_PER_TURN) {
        Task t = queue.poll();
        if (t.cancelled) continue;
        current = Math.max(current, t.at);
        t.cancelled = true;
        ran++;
        t.action.run();
      }
      current = Math.max(current, Math.min(limit, queue.isEmpty() ? limit : queue.peek().at));
    } finally {
      dispatching = false;
    }
    arm();
  }

  /** Makes sure the event loop comes back when the earliest task is due. */
  private void arm() {
    while (!queue.isEmpty() && queue.peek().cancelled) queue.poll();
    if (queue.isEmpty()) return;
    long dueIn = queue.peek().at - wallNow();
    if (dueIn <= 0) {
      if (!turnQueued) {
        turnQueued = true;
        context.runOnContext(v -> {
          turnQueued = false;
          dispatch();
        });
      }
      return;
    }
    long dueWall = System.nanoTime() + (long) (dueIn / speedup);
    if (timerId >= 0 && timerDueWallNanos <= dueWall) return;
    if (timerId >= 0) vertx.cancelTimer(timerId);
    long delayMs = Math.max(1, (long) Math.ceil(dueIn / speedup / 1e6));
    timerDueWallNanos = dueWall;
    timerId = vertx.setTimer(delayMs, id -> {
      timerId = -1;
      timerDueWallNanos = Long.MAX_VALUE;
      dispatch();
    });
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
