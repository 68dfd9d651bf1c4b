package dev.sluice.meter;

import dev.sluice.store.UsageLedger;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a request's cost into what its tenant is charged, from the tenant's {@link Plan}. For a
 * subscription, the month's cost so far decides how much of the request the fee still covers: it
 * is read once per tenant and month from the ledger, then kept up to date in this process.
 */
public final class Charges {

  /** A tenant's cost so far in one calendar month. */
  private static final class Month {
    final Instant start;
    long costNanos;

    Month(Instant start, long costNanos) {
      this.start = start;
      this.costNanos = costNanos;
    }
  }

  private final PlanBook plans;
  private final UsageLedger ledger;
  private final Vertx vertx;
  private final ZoneId zone;
  private final ConcurrentHashMap<String, Month> months = new ConcurrentHashMap<>();

  public Charges(PlanBook plans, UsageLedger ledger, Vertx vertx, ZoneId zone) {
    this.plans = plans;
    this.ledger = ledger;
    this.vertx = vertx;
    this.zone = zone;
  }

  public PlanBook plans() {
    return plans;
  }

  /** The charge for a request of {@code cost} made by {@code tenant} at {@code at}. */
  public Future<Money> charge(String tenant, Money cost, Optional<Usage> usage, String modelAsked, Instant at) {
    return plans.plan(tenant).compose(plan -> {
      if (!(plan instanceof Plan.Subscription s)) return Future.succeededFuture(plan.charge(cost, usage, modelAsked));
      return month(tenant, at).map(m -> {
        long before;
        synchronized (m) {
          before = m.costNanos;
          m.costNanos += cost.nanos();
        }
        return s.chargeBeyond(Money.ofNanos(before), cost, usage, modelAsked);
      });
    });
  }

  private Future<Month> month(String tenant, Instant at) {
    Instant start = at.atZone(zone).toLocalDate().withDayOfMonth(1).atStartOfDay(zone).toInstant();
    Month m = months.get(tenant);
    if (m != null && m.start.equals(start)) return Future.succeededFuture(m);
    Instant end = at.atZone(zone).toLocalDate().withDayOfMonth(1).plusMonths(1).atStartOfDay(zone).toInstant();
    return vertx.executeBlocking(() -> {
      List<UsageLedger.Row> rows = ledger.aggregate(new UsageLedger.Query(start, end, List.of(), null, tenant, zone));
      return rows.isEmpty() ? 0L : rows.getFirst().costNanos();
    }, false).map(cost -> months.compute(tenant, (t, old) ->
        old != null && old.start.equals(start) ? old : new Month(start, cost)));
  }
}
