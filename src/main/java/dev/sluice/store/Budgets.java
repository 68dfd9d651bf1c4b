package dev.sluice.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Budget definitions, and which alert thresholds have already fired in which period. */
public interface Budgets {

  /**
   * A budget.
   *
   * @param scope {@code tenant}, {@code key}, {@code feature} or {@code user}
   * @param target the key id, feature or user; {@code null} for a tenant budget
   * @param amountNanos the limit, in nano-dollars
   * @param period {@code day}, {@code week}, {@code month} or {@code total}
   * @param action {@code block} or {@code alert}
   * @param alertAt thresholds as fractions of the amount, ascending (0.5, 0.8, 1.0)
   * @param webhook where alerts are POSTed, or {@code null}
   */
  record Budget(String id, String scope, String tenant, String target, long amountNanos, String period,
      String action, List<Double> alertAt, String webhook, Instant createdAt) {
    public Budget {
      alertAt = List.copyOf(alertAt);
    }
  }

  void insert(Budget budget);

  Optional<Budget> byId(String id);

  /** All budgets, or one tenant's when {@code tenant} is not null. */
  List<Budget> list(String tenant);

  boolean delete(String id);

  /**
   * Records that {@code threshold} fired for the period starting at {@code periodStart}; returns
   * false when it had already fired (so each alert is sent once, across replicas too).
   */
  boolean markAlerted(String budgetId, Instant periodStart, double threshold);
}
