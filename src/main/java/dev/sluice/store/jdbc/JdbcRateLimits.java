package dev.sluice.store.jdbc;

import dev.sluice.store.RateLimits;
import dev.sluice.store.StoreException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** Rate-limit definitions; {@link #list} with a null tenant lists every tenant's. */
final class JdbcRateLimits implements RateLimits {
  private static final String COLUMNS = "id, scope, tenant, target, model, rpm, tpm";

  private final Jdbc jdbc;

  JdbcRateLimits(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public void insert(RateLimit l) {
    try {
      jdbc.update("INSERT INTO rate_limits (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)",
          l.id(), l.scope(), l.tenant(), l.target(), l.model(), l.rpm(), l.tpm());
    } catch (SQLException e) {
      String why = jdbc.dialect().isUniqueViolation(e) ? "a rate limit with this id already exists" : e.getMessage();
      throw new StoreException("could not insert rate limit " + l.id() + " of tenant '" + l.tenant() + "': " + why,
          e);
    }
  }

  @Override
  public List<RateLimit> list(String tenant) {
    return tenant == null
        ? jdbc.query("list rate limits", "SELECT " + COLUMNS + " FROM rate_limits ORDER BY tenant, id", this::limit)
        : jdbc.query("list the rate limits of tenant '" + tenant + "'",
            "SELECT " + COLUMNS + " FROM rate_limits WHERE tenant = ? ORDER BY id", this::limit, tenant);
  }

  @Override
  public boolean delete(String id) {
    return jdbc.change("delete rate limit " + id, "DELETE FROM rate_limits WHERE id = ?", id) == 1;
  }

  private RateLimit limit(ResultSet rs) throws SQLException {
    return new RateLimit(rs.getString("id"), rs.getString("scope"), rs.getString("tenant"), rs.getString("target"),
        rs.getString("model"), rs.getLong("rpm"), rs.getLong("tpm"));
  }
}
