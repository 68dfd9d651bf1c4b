package dev.sluice.store.jdbc;

import dev.sluice.store.UsageLedger;
import dev.sluice.store.UsageRecord;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** The usage ledger: appends go through the {@link LedgerWriter}, reads straight to the database. */
final class JdbcUsageLedger implements UsageLedger, AutoCloseable {
  private final Jdbc jdbc;
  private final UsageTable table;
  private final UsageAggregation aggregation;
  private final LedgerWriter writer;

  JdbcUsageLedger(Jdbc jdbc, LedgerWriter.Limits limits) {
    this.jdbc = jdbc;
    this.table = new UsageTable(jdbc.dialect());
    this.aggregation = new UsageAggregation(jdbc);
    this.writer = new LedgerWriter(new Sink(), limits);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Appending a request id that is already in the ledger succeeds and keeps the first record.
   * Fails at once with {@link dev.sluice.store.LedgerFullException} when records wait beyond the
   * queue's capacity.
   */
  @Override
  public CompletionStage<Void> append(UsageRecord record) {
    return writer.append(record);
  }

  @Override
  public List<Row> aggregate(Query query) {
    return aggregation.run(query);
  }

  @Override
  public List<LatencyRow> latency(Query query) {
    return aggregation.latency(query);
  }

  @Override
  public List<UsageRecord> byRequestId(String requestId) {
    return jdbc.query("read the usage of request " + requestId,
        "SELECT " + UsageTable.COLUMNS + " FROM usage_records WHERE request_id = ?", table::read, requestId);
  }

  @Override
  public List<UsageRecord> byRun(String tenant, String run) {
    return jdbc.query("read the usage of run " + run,
        "SELECT " + UsageTable.COLUMNS + " FROM usage_records WHERE tenant = ? AND run = ? ORDER BY time, id",
        table::read, tenant, run);
  }

  @Override
  public long chargeNanos(String tenant, String keyId, String feature, String user, Instant from, Instant to) {
    return aggregation.charge(tenant, keyId, feature, user, from, to);
  }

  LedgerStats stats() {
    return writer.stats();
  }

  /** Commits what is queued and stops the writer. */
  @Override
  public void close() {
    writer.close();
  }

  private final class Sink implements LedgerWriter.Sink {
    @Override
    public void commit(List<UsageRecord> records) throws SQLException {
      try (Connection c = jdbc.connection()) {
        table.insert(c, records);
      }
    }

    @Override
    public boolean mayBeOneRecord(Exception failure) {
      for (Throwable t = failure; t != null; t = t.getCause()) {
        if (t instanceof SQLException e) {
          if (jdbc.dialect().isRowFault(e)) return true;
          if (e instanceof BatchUpdateException b && b.getNextException() != null
              && jdbc.dialect().isRowFault(b.getNextException())) {
            return true;
          }
        }
      }
      return false;
    }
  }
}
