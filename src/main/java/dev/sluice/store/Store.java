package dev.sluice.store;

/**
 * Where the state that changes at run time lives: tenants, API keys, budgets, rate limits, agent runs
 * and the usage ledger. Embedded SQLite by default, PostgreSQL when several gateway replicas share it;
 * {@link Stores#open} opens either from the {@code store:} setting.
 *
 * <p>Methods block (JDBC): call them off the event loop. The ledger is the exception on the write
 * side: {@link UsageLedger#append} queues and returns at once, and commits in groups.
 */
public interface Store extends AutoCloseable {

  Tenants tenants();

  ApiKeys keys();

  UsageLedger ledger();

  Budgets budgets();

  RateLimits rateLimits();

  Runs runs();

  /** A short description for logs, such as {@code sqlite:data/sluice.db} (never a password). */
  String describe();

  /** Flushes the ledger (every queued record is committed) and releases connections. */
  @Override
  void close();
}
