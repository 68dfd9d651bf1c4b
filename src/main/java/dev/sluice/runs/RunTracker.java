package dev.sluice.runs;

import dev.sluice.events.GatewayEvents;
import dev.sluice.store.Runs;
import dev.sluice.store.Store;
import dev.sluice.store.UsageRecord;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The agent runs this gateway is serving, in memory: per run, what it has used and holds, its
 * recent calls for the loop check, and its open streams for the kill switch.
 *
 * <p>Design. A run is addressed by (tenant, id). The first call of a run in this process loads it
 * once, on a worker thread: its row in the store (opened if new, with its depth under its parent)
 * and its totals so far from the ledger, so limits hold across restarts. Every later call finds it
 * in a map. Admission of a call is one critical section on the run: it checks the stop flag, the
 * limits ({@link RunLimits#check}) against used + reserved + the call's worst case, asks the loop
 * check, and reserves the worst case, all or nothing. When the meter has priced the call, the
 * reservation is replaced by what it used. Because every call in flight holds its worst case,
 * parallel calls of one run can never together pass a limit, whatever their timing.
 *
 * <p>Invariants: {@code reserved >= 0}; a reservation is settled at most once; a run is evicted
 * only when idle and with nothing in flight. The lock of a run is held only for arithmetic and the
 * loop check, never for I/O. Limits are exact per process: replicas that share a run each see
 * their own calls plus what the ledger held when they first saw it.
 */
public final class RunTracker {
  /** How many of a run's recent calls the loop check sees. */
  public static final int WINDOW = 20;

  private record Key(String tenant, String id) {}

  private final ConcurrentHashMap<Key, Future<Run>> runs = new ConcurrentHashMap<>();
  private final Store store;
  private final Vertx vertx;
  private final InstantSource clock;
  private final LongSupplier nanoClock;
  private final GatewayEvents events;

  /** @param events told of each run that ends ({@link #evictIdle}) */
  public RunTracker(Store store, Vertx vertx, InstantSource clock, LongSupplier nanoClock, GatewayEvents events) {
    this.store = store;
    this.vertx = vertx;
    this.clock = clock;
    this.nanoClock = nanoClock;
    this.events = events;
  }

  /** The run, loaded from the store on first use in this process. */
  public Future<Run> run(String tenant, String id, String parent) {
    Key key = new Key(tenant, id);
    Future<Run> known = runs.get(key);
    if (known != null) return known;
    return runs.computeIfAbsent(key, k -> vertx.<Run>executeBlocking(() -> load(k, parent), false)
        .onFailure(err -> runs.remove(k)));
  }

  /** Loads or opens a run (blocking). */
  private Run load(Key key, String parent) {
    Runs.Run row = store.runs().get(key.tenant(), key.id()).orElse(null);
    if (row == null) {
      String parentId = parent == null || parent.equals(key.id()) ? null : parent;
      int depth = parentId == null ? 0 : parentDepth(key.tenant(), parentId) + 1;
      row = store.runs().open(new Runs.Run(key.tenant(), key.id(), parentId, depth, clock.instant(), null));
    }
    Run run = new Run(key.tenant(), key.id(), row.parent(), row.depth(), row.startedAt());
    run.stopped = row.stoppedAt() != null;
    for (UsageRecord r : store.ledger().byRun(key.tenant(), key.id())) {
      if (r.status() >= 400 && (r.attempts() == null || r.attempts().equals("[]"))) continue; // refused, never sent
      run.calls++;
      run.tokens += r.inputTokens() + r.cachedInputTokens() + r.cacheWriteTokens() + r.outputTokens();
      run.costNanos += r.costNanos();
    }
    run.lastActiveNanos = nanoClock.getAsLong();
    return run;
  }

  private int parentDepth(String tenant, String parent) {
    Future<Run> loaded = runs.get(new Key(tenant, parent));
    if (loaded != null && loaded.succeeded()) return loaded.result().depth;
    return store.runs().get(tenant, parent).map(Runs.Run::depth).orElse(0);
  }

  /**
   * Stops a run at once (blocking: it writes the store): every later call of it is refused, and its
   * open streams end with an error event. Works for a run this process has not seen too.
   */
  public Runs.Run stop(String tenant, String id) {
    Runs.Run row = store.runs().stop(tenant, id, clock.instant());
    Future<Run> loaded = runs.get(new Key(tenant, id));
    if (loaded != null && loaded.succeeded()) loaded.result().stop();
    return row;
  }

  /** The run if this process holds it, loaded. */
  public Optional<Run> loaded(String tenant, String id) {
    Future<Run> f = runs.get(new Key(tenant, id));
    return f != null && f.succeeded() ? Optional.of(f.result()) : Optional.empty();
  }

  /**
   * Forgets runs idle for longer than {@code idle} with nothing in flight, and reports each as an
   * ended agent invocation; returns them. Their totals are in the ledger and come back if the run
   * calls again.
   */
  public List<Run> evictIdle(Duration idle) {
    long now = nanoClock.getAsLong();
    List<Run> evicted = new ArrayList<>();
    for (var e : runs.entrySet()) {
      Future<Run> f = e.getValue();
      if (!f.succeeded()) continue;
      Run run = f.result();
      synchronized (run) {
        if (run.inFlight > 0 || !run.streams.isEmpty() || now - run.lastActiveNanos < idle.toNanos()) continue;
      }
      if (runs.remove(e.getKey(), f)) evicted.add(run);
    }
    for (Run run : evicted) {
      synchronized (run) {
        double seconds = Math.max(0, Duration.between(run.startedAt, run.lastActiveAt).toNanos() / 1e9);
        events.runEnded(run.tenant, run.calls, run.toolCalls, seconds);
      }
    }
    return evicted;
  }

  /** The outcome of {@link Run#admit}. */
  public sealed interface Admission {
    /** The call may go on, holding {@code reservation}; {@code finding} is a loop it continues (warn or slow), or null. */
    record Admitted(Reservation reservation, LoopFinding finding, int loopStreak) implements Admission {}

    /**
     * The call is refused.
     *
     * @param code {@code run_stopped}, {@code run_limit_exceeded} or {@code run_loop_detected}
     * @param reason the limit or the loop pattern, null for a stopped run
     */
    record Refused(String code, String reason, String message) implements Admission {}

    /**
     * The call's worst case was an upper bound and does not fit the run's tokens or cost: nothing
     * was changed; ask again with the exact worst case, which may fit.
     */
    record Recheck() implements Admission {}
  }

  /** One run as this process sees it. Its counters are guarded by the run itself. */
  public final class Run {
    private final String tenant;
    private final String id;
    private final String parent;
    private final int depth;
    private final Instant startedAt;
    private final ArrayDeque<RunCall> window = new ArrayDeque<>(WINDOW);
    private final Set<RunStream> streams = new LinkedHashSet<>();
    private boolean stopped;
    private long calls;
    private long tokens;
    private long reservedTokens;
    private long costNanos;
    private long reservedCostNanos;
    private int inFlight;
    private int loopStreak;
    private long lastActiveNanos;
    private Instant lastActiveAt;
    private long toolCalls;

    private Run(String tenant, String id, String parent, int depth, Instant startedAt) {
      this.tenant = tenant;
      this.id = id;
      this.parent = parent;
      this.depth = depth;
      this.startedAt = startedAt;
      this.lastActiveAt = startedAt;
    }

    public String tenant() {
      return tenant;
    }

    public String id() {
      return id;
    }

    public int depth() {
      return depth;
    }

    public String parent() {
      return parent;
    }

    /** Calls admitted so far (in flight included). */
    public synchronized long calls() {
      return calls;
    }

    /** Cost of finished calls, in nano-dollars. */
    public synchronized long costNanos() {
      return costNanos;
    }

    public synchronized boolean stopped() {
      return stopped;
    }

    /**
     * Admits the next call or refuses it, in one step: stopped, limits, loop; then reserves its
     * worst case. The loop check runs under the run's lock, on the recent calls as they are now.
     *
     * @param exact whether the worst case is the exact estimate; when it is only an upper bound
     *     and breaks the tokens or cost limit, the answer is {@link Admission.Recheck}
     */
    public synchronized Admission admit(RunPolicy policy, long worstTokens, long worstCostNanos, boolean exact,
        LoopCheck loops, RunCall next) {
      lastActiveNanos = nanoClock.getAsLong();
      if (stopped) {
        return new Admission.Refused(dev.sluice.error.GatewayError.RunRefused.STOPPED, null, "Run " + id
            + " was stopped by an operator; its calls are refused. Start a new run to continue.");
      }
      Duration elapsed = Duration.between(startedAt, clock.instant());
      RunLimits.Breach breach = RunLimits.check(id, policy,
          new RunLimits.Usage(calls, tokens, reservedTokens, costNanos, reservedCostNanos, depth, elapsed),
          worstTokens, worstCostNanos);
      if (breach != null && !exact && (breach.limit().equals("max_tokens") || breach.limit().equals("max_cost_usd"))) {
        return new Admission.Recheck();
      }
      if (breach != null) {
        return new Admission.Refused(dev.sluice.error.GatewayError.RunRefused.LIMIT, breach.limit(), breach.message());
      }
      LoopFinding finding = loops.inspect(List.copyOf(window), next).orElse(null);
      loopStreak = finding == null ? 0 : loopStreak + 1;
      if (finding != null && policy.loopVerdict() == RunPolicy.LoopVerdict.STOP) {
        return new Admission.Refused(dev.sluice.error.GatewayError.RunRefused.LOOP, finding.pattern(),
            "Run " + id + " looks stuck in a loop (" + finding.pattern() + "): " + finding.detail() + ".");
      }
      calls++;
      inFlight++;
      reservedTokens += worstTokens;
      reservedCostNanos += worstCostNanos;
      return new Admission.Admitted(new Reservation(this, worstTokens, worstCostNanos), finding, loopStreak);
    }

    /** The window of recent calls the loop check sees, oldest first, as it is now. */
    public synchronized List<RunCall> recent() {
      return List.copyOf(window);
    }

    /** Adds a finished call to the window the loop check sees. */
    public synchronized void record(RunCall call) {
      if (window.size() == WINDOW) window.removeFirst();
      window.addLast(call);
      lastActiveAt = clock.instant();
      if (call.reply() != null && call.reply().path("tool_calls").isArray()) toolCalls += call.reply().get("tool_calls").size();
    }

    /** Registers an open stream of the run; false when the run is stopped already (the caller ends it). */
    synchronized boolean open(RunStream stream) {
      if (stopped) return false;
      streams.add(stream);
      return true;
    }

    synchronized void closed(RunStream stream) {
      streams.remove(stream);
    }

    private void stop() {
      List<RunStream> open;
      synchronized (this) {
        stopped = true;
        open = List.copyOf(streams);
        streams.clear();
      }
      for (RunStream s : open) s.stopRun();
    }

    private synchronized void settle(long worstTokens, long worstCostNanos, long usedTokens, long usedCostNanos) {
      reservedTokens -= worstTokens;
      reservedCostNanos -= worstCostNanos;
      tokens += Math.max(0, usedTokens);
      costNanos += Math.max(0, usedCostNanos);
      inFlight--;
      lastActiveNanos = nanoClock.getAsLong();
    }
  }

  /** What one admitted call holds on its run until the meter settles it. */
  public static final class Reservation {
    private final Run run;
    private final long worstTokens;
    private final long worstCostNanos;
    private boolean settled;

    private Reservation(Run run, long worstTokens, long worstCostNanos) {
      this.run = run;
      this.worstTokens = worstTokens;
      this.worstCostNanos = worstCostNanos;
    }

    public Run run() {
      return run;
    }

    /** Replaces the reservation with what the call used. Idempotent. */
    public void settle(long usedTokens, long usedCostNanos) {
      synchronized (this) {
        if (settled) return;
        settled = true;
      }
      run.settle(worstTokens, worstCostNanos, usedTokens, usedCostNanos);
    }
  }
}
