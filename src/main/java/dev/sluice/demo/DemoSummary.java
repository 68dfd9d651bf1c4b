package dev.sluice.demo;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the demo's traffic did, as the usage ledger records it (read back through the admin API:
 * {@code GET /admin/usage} and {@code GET /admin/budgets/status}), never from the clients' own counts.
 *
 * @param tenants one line per tenant of the demo, in the demo's order
 * @param total the totals over every record
 * @param avoidedByMechanism the cost avoided, by what avoided it (cache hits, cascades, run guard)
 * @param errors the refused and failed calls, by error code ({@code budget_exceeded},
 *     {@code run_loop_detected}, ...)
 * @param budgets each budget's state at the end
 */
public record DemoSummary(List<Line> tenants, Line total, Map<String, BigDecimal> avoidedByMechanism,
    Map<String, Long> errors, List<Budget> budgets) {

  /** Ledger sums of one tenant (or of all). Amounts in dollars, exact. */
  public record Line(String workload, String tenant, long requests, long tokens, BigDecimal cost, BigDecimal charge,
      BigDecimal avoided) {
    /** What these calls would have cost upstream without Sluice: what they cost plus what was avoided. */
    public BigDecimal costWithoutSluice() {
      return cost.add(avoided);
    }
  }

  /** A budget at the end of the demo. */
  public record Budget(String tenant, String period, String action, BigDecimal amount, BigDecimal spent) {}

  /** Calls stopped by the run guard because their run was going round in circles. */
  public long loopsStopped() {
    return errors.getOrDefault("run_loop_detected", 0L);
  }

  /** Calls stopped by the run guard because their run went over its limits. */
  public long runLimitsHit() {
    return errors.getOrDefault("run_limit_exceeded", 0L);
  }

  /** Calls refused because their tenant's budget was spent. */
  public long budgetRefusals() {
    return errors.getOrDefault("budget_exceeded", 0L);
  }

  /** The summary as a person reads it. Dollar amounts are rounded to the micro-dollar. */
  public void print(PrintWriter out) {
    String format = "%-16s %-16s %9s %11s %12s %12s %12s %12s%n";
    out.printf(Locale.ROOT, format, "workload", "tenant", "requests", "tokens", "spend", "charged", "avoided",
        "w/o Sluice");
    List<Line> lines = new ArrayList<>(tenants);
    lines.add(total);
    for (Line l : lines) {
      if (l == total) out.println("-".repeat(106));
      out.printf(Locale.ROOT, format, l.workload(), l.tenant(), String.format(Locale.ROOT, "%,d", l.requests()),
          String.format(Locale.ROOT, "%,d", l.tokens()), usd(l.cost()), usd(l.charge()), usd(l.avoided()),
          usd(l.costWithoutSluice()));
    }
    out.println();
    out.printf(Locale.ROOT, "Spend without Sluice   %s%n", usd(total.costWithoutSluice()));
    out.printf(Locale.ROOT, "Spend with Sluice      %s%s%n", usd(total.cost()), percentSaved());
    out.printf(Locale.ROOT, "Avoided spend          %s%s%n", usd(total.avoided()), mechanisms());
    out.printf(Locale.ROOT, "Loops stopped          %d calls (run_loop_detected); %d over run limits (run_limit_exceeded)%n",
        loopsStopped(), runLimitsHit());
    out.printf(Locale.ROOT, "Budget events          %d calls refused (budget_exceeded)%n", budgetRefusals());
    for (Budget b : budgets) {
      out.printf(Locale.ROOT, "  %-20s %s of %s per %s (%s)%n", b.tenant(), usd(b.spent()), usd(b.amount()), b.period(),
          b.action());
    }
    out.flush();
  }

  private String percentSaved() {
    BigDecimal without = total.costWithoutSluice();
    if (without.signum() == 0) return "";
    BigDecimal pct = total.avoided().multiply(BigDecimal.valueOf(100)).divide(without, 1, RoundingMode.HALF_UP);
    return "   (" + pct.toPlainString() + " % less)";
  }

  private String mechanisms() {
    if (avoidedByMechanism.isEmpty()) return "   (no cache, cascade or run guard avoided anything)";
    List<String> parts = new ArrayList<>();
    avoidedByMechanism.forEach((m, v) -> parts.add(m + " " + usd(v)));
    return "   (" + String.join(", ", parts) + ")";
  }

  /** Dollars rounded to the micro-dollar, the precision the summary shows. */
  public static String usd(BigDecimal amount) {
    return "$" + amount.setScale(6, RoundingMode.HALF_UP).toPlainString();
  }
}
