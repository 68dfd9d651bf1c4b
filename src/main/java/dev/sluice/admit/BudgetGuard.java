package dev.sluice.admit;

import dev.sluice.store.Budgets.Budget;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Budgets enforced in this process, by reserve-then-settle.
 *
 * <p>Design. For each budget and period, the guard keeps {@code spent} (charged, committed in the
 * ledger; loaded once per period from it) and {@code reserved} (the worst-case charge of requests
 * in flight). A request reserves its worst case on every budget that applies to it, all or none:
 * a blocking budget refuses when {@code spent + reserved + estimate} would exceed its amount. When
 * the request ends, its reservation is replaced by what it actually cost. Because every request in
 * flight holds its worst case, concurrent requests together can never push {@code spent} past the
 * amount, whatever their number and timing, as long as no actual charge exceeds its estimate.
 *
 * <p>Invariants: {@code reserved >= 0}; a reservation is settled at most once; budgets are locked
 * in id order, so requests sharing budgets cannot deadlock. Alert thresholds are reported once
 * per period (the caller also records them in the store, which makes them once across replicas).
 */
public final class BudgetGuard {

  /** A period's running totals for one budget. */
  private static final class Tally {
    final BudgetPeriod period;
    long spent;
    long reserved;
    double alertedUpTo;

    Tally(BudgetPeriod period, long spent) {
      this.period = period;
      this.spent = spent;
    }
  }

  /** The outcome of {@link #reserve}. */
  public sealed interface Decision {
    record Reserved(Reservation reservation) implements Decision {}

    /** A blocking budget would be exceeded. */
    record Refused(Budget budget, long spentNanos, long reservedNanos, long estimateNanos) implements Decision {}
  }

  /** A threshold crossed: {@code fraction} of the budget's amount is spent. */
  public record Alert(Budget budget, BudgetPeriod period, double threshold, long spentNanos) {}

  /** What a request holds on its budgets until it settles. */
  public final class Reservation {
    private final List<Budget> budgets;
    private final List<Tally> tallies;
    private final long estimate;
    private boolean settled;

    private Reservation(List<Budget> budgets, List<Tally> tallies, long estimate) {
      this.budgets = budgets;
      this.tallies = tallies;
      this.estimate = estimate;
    }

    /** Replaces the reservation with the actual charge; returns the thresholds this crossed. Idempotent. */
    public List<Alert> settle(long actualNanos) {
      if (settled) return List.of();
      settled = true;
      List<Alert> alerts = new ArrayList<>();
      for (int i = 0; i < tallies.size(); i++) {
        Tally t = tallies.get(i);
        Budget b = budgets.get(i);
        synchronized (t) {
          t.reserved -= estimate;
          t.spent += Math.max(0, actualNanos);
          for (double threshold : b.alertAt()) {
            if (threshold > t.alertedUpTo && t.spent >= threshold * b.amountNanos()) {
              t.alertedUpTo = threshold;
              alerts.add(new Alert(b, t.period, threshold, t.spent));
            }
          }
        }
      }
      return alerts;
    }
  }

  private final ConcurrentHashMap<String, Tally> tallies = new ConcurrentHashMap<>();
  private final ZoneId zone;

  public BudgetGuard(ZoneId zone) {
    this.zone = zone;
  }

  public ZoneId zone() {
    return zone;
  }

  /** The budgets among {@code budgets} whose current period's spend is not loaded yet. */
  public List<Budget> unloaded(List<Budget> budgets, Instant now) {
    List<Budget> out = new ArrayList<>();
    for (Budget b : budgets) {
      Tally t = tallies.get(b.id());
      if (t == null || !t.period.equals(BudgetPeriod.of(b.period(), now, zone))) out.add(b);
    }
    return out;
  }

  /** Records the spend the ledger holds for a budget's current period (before any reservation on it). */
  public void load(Budget b, Instant now, long spentNanos) {
    BudgetPeriod p = BudgetPeriod.of(b.period(), now, zone);
    tallies.compute(b.id(), (id, old) -> old != null && old.period.equals(p) ? old : new Tally(p, spentNanos));
  }

  /**
   * Reserves {@code estimateNanos} on every budget in {@code budgets} (all loaded for the current
   * period), or on none.
   */
  public Decision reserve(List<Budget> budgets, long estimateNanos, Instant now) {
    List<Budget> ordered = new ArrayList<>(budgets);
    ordered.sort(Comparator.comparing(Budget::id));
    List<Tally> held = new ArrayList<>(ordered.size());
    for (Budget b : ordered) {
      Tally t = tallies.get(b.id());
      if (t == null || !t.period.equals(BudgetPeriod.of(b.period(), now, zone))) {
        throw new IllegalStateException("budget " + b.id() + " is not loaded for the current period");
      }
      held.add(t);
    }
    return lockAll(ordered, held, 0, estimateNanos);
  }

  private Decision lockAll(List<Budget> budgets, List<Tally> held, int from, long estimate) {
    if (from < held.size()) {
      synchronized (held.get(from)) {
        return lockAll(budgets, held, from + 1, estimate);
      }
    }
    for (int i = 0; i < held.size(); i++) {
      Budget b = budgets.get(i);
      Tally t = held.get(i);
      if (b.action().equals("block") && t.spent + t.reserved + estimate > b.amountNanos()) {
        return new Decision.Refused(b, t.spent, t.reserved, estimate);
      }
    }
    for (Tally t : held) t.reserved += estimate;
    return new Decision.Reserved(new Reservation(List.copyOf(budgets), List.copyOf(held), estimate));
  }

  /** The spend and reservations of a budget's current period, for reports; null when not loaded. */
  public long[] totals(Budget b, Instant now) {
    Tally t = tallies.get(b.id());
    if (t == null || !t.period.equals(BudgetPeriod.of(b.period(), now, zone))) return null;
    synchronized (t) {
      return new long[] {t.spent, t.reserved};
    }
  }
}
