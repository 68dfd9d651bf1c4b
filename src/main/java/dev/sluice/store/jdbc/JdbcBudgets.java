package dev.sluice.store.jdbc;

import dev.sluice.store.Budgets;
import dev.sluice.store.StoreException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;

/**
 * Budgets and their alert marks. A mark is a row keyed by (budget, period start, threshold): the
 * first replica to insert it sends the alert, every later attempt finds the key taken.
 */
final class JdbcBudgets implements Budgets {
  private static final String COLUMNS =
      "id, scope, tenant, target, amount_nanos, period, action, alert_at, webhook, created_at";

  private final Jdbc jdbc;
  private final InstantSource clock;

  JdbcBudgets(Jdbc jdbc, InstantSource clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  @Override
  public void insert(Budget b) {
    try {
      jdbc.update("INSERT INTO budgets (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          b.id(), b.scope(), b.tenant(), b.target(), b.amountNanos(), b.period(), b.action(),
          JsonText.write(b.alertAt()), b.webhook(), b.createdAt());
    } catch (SQLException e) {
      String why = jdbc.dialect().isUniqueViolation(e) ? "a budget with this id already exists" : e.getMessage();
      throw new StoreException("could not insert budget " + b.id() + " of tenant '" + b.tenant() + "': " + why, e);
    }
  }

  @Override
  public Optional<Budget> byId(String id) {
    return jdbc.queryOne("read budget " + id, "SELECT " + COLUMNS + " FROM budgets WHERE id = ?", this::budget, id);
  }

  @Override
  public List<Budget> list(String tenant) {
    return tenant == null
        ? jdbc.query("list budgets", "SELECT " + COLUMNS + " FROM budgets ORDER BY tenant, created_at, id",
            this::budget)
        : jdbc.query("list the budgets of tenant '" + tenant + "'",
            "SELECT " + COLUMNS + " FROM budgets WHERE tenant = ? ORDER BY created_at, id", this::budget, tenant);
  }

  @Override
  public boolean delete(String id) {
    return jdbc.change("delete budget " + id, "DELETE FROM budgets WHERE id = ?", id) == 1;
  }

  /**
   * Inserts the mark unless it exists, in one statement: the database's key decides which of
   * concurrent callers (threads or replicas) wins. Thresholds are kept in millionths, so 0.8 and
   * 0.8000000001 are the same mark.
   */
  @Override
  public boolean markAlerted(String budgetId, Instant periodStart, double threshold) {
    long ppm = Math.round(threshold * 1_000_000);
    return jdbc.change("mark an alert of budget " + budgetId,
        "INSERT INTO budget_alerts (budget_id, period_start, threshold_ppm, alerted_at) VALUES (?, ?, ?, ?) "
            + "ON CONFLICT DO NOTHING",
        budgetId, periodStart, ppm, clock.instant()) == 1;
  }

  private Budget budget(ResultSet rs) throws SQLException {
    String target = rs.getString("target");
    return new Budget(rs.getString("id"), rs.getString("scope"), rs.getString("tenant"), target,
        rs.getLong("amount_nanos"), rs.getString("period"), rs.getString("action"),
        JsonText.doubles(rs.getString("alert_at")), rs.getString("webhook"), jdbc.dialect().time(rs, "created_at"));
  }
}
