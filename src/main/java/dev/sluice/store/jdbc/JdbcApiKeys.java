package dev.sluice.store.jdbc;

import dev.sluice.store.ApiKeys;
import dev.sluice.store.StoreException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** API keys; the table has a hash column and no column that could hold a secret. */
final class JdbcApiKeys implements ApiKeys {
  private static final String COLUMNS = "id, tenant, name, hash, hint, models, created_at, expires_at, revoked_at";

  private final Jdbc jdbc;

  JdbcApiKeys(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public void insert(ApiKey key) {
    try {
      jdbc.update("INSERT INTO api_keys (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          key.id(), key.tenant(), key.name(), key.hash(), key.hint(), JsonText.write(key.models()), key.createdAt(),
          key.expiresAt(), key.revokedAt());
    } catch (SQLException e) {
      String why = jdbc.dialect().isUniqueViolation(e) ? "a key with this id or hash already exists" : e.getMessage();
      throw new StoreException("could not insert key " + key.id() + " of tenant '" + key.tenant() + "': " + why, e);
    }
  }

  @Override
  public Optional<ApiKey> byHash(String hash) {
    return jdbc.queryOne("look up a key by hash", "SELECT " + COLUMNS + " FROM api_keys WHERE hash = ?", this::key,
        hash);
  }

  @Override
  public Optional<ApiKey> byId(String id) {
    return jdbc.queryOne("read key " + id, "SELECT " + COLUMNS + " FROM api_keys WHERE id = ?", this::key, id);
  }

  @Override
  public List<ApiKey> list(String tenant) {
    return jdbc.query("list the keys of tenant '" + tenant + "'",
        "SELECT " + COLUMNS + " FROM api_keys WHERE tenant = ? ORDER BY created_at DESC, id DESC", this::key, tenant);
  }

  @Override
  public boolean revoke(String id, Instant at) {
    return jdbc.change("revoke key " + id, "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        at, id) == 1;
  }

  private ApiKey key(ResultSet rs) throws SQLException {
    Dialect d = jdbc.dialect();
    return new ApiKey(rs.getString("id"), rs.getString("tenant"), rs.getString("name"), rs.getString("hash"),
        rs.getString("hint"), JsonText.strings(rs.getString("models")), d.time(rs, "created_at"),
        d.time(rs, "expires_at"), d.time(rs, "revoked_at"));
  }
}
