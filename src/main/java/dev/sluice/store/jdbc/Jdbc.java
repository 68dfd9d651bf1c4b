package dev.sluice.store.jdbc;

import dev.sluice.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Runs one statement on a pooled connection in autocommit mode and maps its rows. Parameters are
 * always bound, never written into the SQL; an {@link Instant} is bound as the dialect stores
 * times. A {@link SQLException} becomes a {@link StoreException} that names what was being done.
 */
final class Jdbc {
  private final DataSource dataSource;
  private final Dialect dialect;

  Jdbc(DataSource dataSource, Dialect dialect) {
    this.dataSource = dataSource;
    this.dialect = dialect;
  }

  /** Maps the current row of a result set. */
  @FunctionalInterface
  interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  Dialect dialect() {
    return dialect;
  }

  Connection connection() throws SQLException {
    return dataSource.getConnection();
  }

  <T> List<T> query(String what, String sql, RowMapper<T> mapper, Object... params) {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, params);
      try (ResultSet rs = ps.executeQuery()) {
        List<T> rows = new ArrayList<>();
        while (rs.next()) rows.add(mapper.map(rs));
        return rows;
      }
    } catch (SQLException e) {
      throw new StoreException("could not " + what + ": " + e.getMessage(), e);
    }
  }

  <T> Optional<T> queryOne(String what, String sql, RowMapper<T> mapper, Object... params) {
    List<T> rows = query(what, sql, mapper, params);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.getFirst());
  }

  /** Runs an INSERT, UPDATE or DELETE and returns the number of rows it changed. */
  int update(String sql, Object... params) throws SQLException {
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, params);
      return ps.executeUpdate();
    }
  }

  /** Like {@link #update}, with the failure turned into a {@link StoreException}. */
  int change(String what, String sql, Object... params) {
    try {
      return update(sql, params);
    } catch (SQLException e) {
      throw new StoreException("could not " + what + ": " + e.getMessage(), e);
    }
  }

  void bind(PreparedStatement ps, Object... params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      Object p = params[i];
      switch (p) {
        case null -> ps.setObject(i + 1, null);
        case Instant t -> ps.setObject(i + 1, dialect.time(t));
        case String s -> ps.setString(i + 1, dialect.text(s));
        default -> ps.setObject(i + 1, p);
      }
    }
  }
}
