package dev.sluice.store.jdbc;

import dev.sluice.store.UsageRecord;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/** The {@code usage_records} table: its columns, and a {@link UsageRecord} to a row and back. */
final class UsageTable {
  static final String COLUMNS = "time, request_id, tenant, key_id, feature, end_user, run, tags, operation, "
      + "model_asked, model_served, deployment, provider, pool, input_tokens, cached_input_tokens, "
      + "cache_write_tokens, output_tokens, reasoning_tokens, cost_nanos, charge_nanos, priced, cache_status, "
      + "avoided_nanos, mechanism, latency_micros, ttft_micros, status, error_code, error_class, attempts";

  /** Inserts a record unless its request id is already there: a second append of a request keeps the first. */
  static final String INSERT = "INSERT INTO usage_records (" + COLUMNS + ") VALUES ("
      + "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      + "ON CONFLICT (request_id) DO NOTHING";

  private final Dialect dialect;

  UsageTable(Dialect dialect) {
    this.dialect = dialect;
  }

  /** Inserts {@code records} in one transaction on {@code c}, and commits it; on failure rolls back and throws. */
  void insert(Connection c, List<UsageRecord> records) throws SQLException {
    c.setAutoCommit(false);
    try (PreparedStatement ps = c.prepareStatement(INSERT)) {
      for (UsageRecord r : records) {
        bind(ps, r);
        ps.addBatch();
      }
      ps.executeBatch();
      c.commit();
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }

  private void bind(PreparedStatement ps, UsageRecord r) throws SQLException {
    int i = 0;
    ps.setObject(++i, dialect.time(r.time()));
    text(ps, ++i, r.requestId());
    text(ps, ++i, r.tenant());
    text(ps, ++i, r.keyId());
    text(ps, ++i, r.feature());
    text(ps, ++i, r.user());
    text(ps, ++i, r.run());
    text(ps, ++i, JsonText.tags(r.tags()));
    text(ps, ++i, r.operation());
    text(ps, ++i, r.modelAsked());
    text(ps, ++i, r.modelServed());
    text(ps, ++i, r.deployment());
    text(ps, ++i, r.provider());
    text(ps, ++i, r.pool());
    ps.setLong(++i, r.inputTokens());
    ps.setLong(++i, r.cachedInputTokens());
    ps.setLong(++i, r.cacheWriteTokens());
    ps.setLong(++i, r.outputTokens());
    ps.setLong(++i, r.reasoningTokens());
    ps.setLong(++i, r.costNanos());
    ps.setLong(++i, r.chargeNanos());
    ps.setBoolean(++i, r.priced());
    text(ps, ++i, r.cacheStatus());
    ps.setLong(++i, r.avoidedNanos());
    text(ps, ++i, r.mechanism());
    ps.setLong(++i, r.latencyMicros());
    ps.setLong(++i, r.ttftMicros());
    ps.setInt(++i, r.status());
    text(ps, ++i, r.errorCode());
    text(ps, ++i, r.errorClass());
    text(ps, ++i, r.attempts());
  }

  private void text(PreparedStatement ps, int i, String s) throws SQLException {
    if (s == null) ps.setNull(i, Types.VARCHAR); else ps.setString(i, dialect.text(s));
  }

  UsageRecord read(ResultSet rs) throws SQLException {
    return new UsageRecord(
        dialect.time(rs, "time"),
        rs.getString("request_id"),
        rs.getString("tenant"),
        rs.getString("key_id"),
        rs.getString("feature"),
        rs.getString("end_user"),
        rs.getString("run"),
        JsonText.tags(rs.getString("tags")),
        rs.getString("operation"),
        rs.getString("model_asked"),
        rs.getString("model_served"),
        rs.getString("deployment"),
        rs.getString("provider"),
        rs.getString("pool"),
        rs.getLong("input_tokens"),
        rs.getLong("cached_input_tokens"),
        rs.getLong("cache_write_tokens"),
        rs.getLong("output_tokens"),
        rs.getLong("reasoning_tokens"),
        rs.getLong("cost_nanos"),
        rs.getLong("charge_nanos"),
        rs.getBoolean("priced"),
        rs.getString("cache_status"),
        rs.getLong("avoided_nanos"),
        rs.getString("mechanism"),
        rs.getLong("latency_micros"),
        rs.getLong("ttft_micros"),
        rs.getInt("status"),
        rs.getString("error_code"),
        rs.getString("error_class"),
        rs.getString("attempts"));
  }
}
