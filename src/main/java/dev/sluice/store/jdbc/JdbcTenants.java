package dev.sluice.store.jdbc;

import dev.sluice.store.Ids;
import dev.sluice.store.StoreException;
import dev.sluice.store.Tenants;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

final class JdbcTenants implements Tenants {
  private static final String COLUMNS = "id, name, plan, created_at";

  private final Jdbc jdbc;
  private final InstantSource clock;

  JdbcTenants(Jdbc jdbc, InstantSource clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  @Override
  public Tenant create(String name, String plan) {
    Tenant tenant = new Tenant(Ids.next("ten"), name, plan, clock.instant().truncatedTo(ChronoUnit.MICROS));
    try {
      jdbc.update("INSERT INTO tenants (" + COLUMNS + ") VALUES (?, ?, ?, ?)",
          tenant.id(), tenant.name(), tenant.plan(), tenant.createdAt());
      return tenant;
    } catch (SQLException e) {
      if (jdbc.dialect().isUniqueViolation(e)) {
        throw new DuplicateException("a tenant named '" + name + "' already exists");
      }
      throw new StoreException("could not create tenant '" + name + "': " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<Tenant> byName(String name) {
    return jdbc.queryOne("read tenant '" + name + "'", "SELECT " + COLUMNS + " FROM tenants WHERE name = ?",
        this::tenant, name);
  }

  @Override
  public List<Tenant> list() {
    return jdbc.query("list tenants", "SELECT " + COLUMNS + " FROM tenants ORDER BY name", this::tenant);
  }

  @Override
  public boolean updatePlan(String name, String plan) {
    return jdbc.change("update the plan of tenant '" + name + "'", "UPDATE tenants SET plan = ? WHERE name = ?",
        plan, name) == 1;
  }

  private Tenant tenant(ResultSet rs) throws SQLException {
    return new Tenant(rs.getString("id"), rs.getString("name"), rs.getString("plan"),
        jdbc.dialect().time(rs, "created_at"));
  }
}
