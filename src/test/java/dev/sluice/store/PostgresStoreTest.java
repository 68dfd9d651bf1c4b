package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PostgresStoreTest extends StoreContract {
  String schema;

  @BeforeAll
  static void postgresAnswers() throws Exception {
    TestPostgres.ensureRunning();
  }

  @Override
  String newUrl() {
    schema = TestPostgres.newSchema();
    return TestPostgres.url(schema);
  }

  @Override
  Connection inspect() throws SQLException {
    return TestPostgres.connect(schema);
  }

  @Override
  void cleanUp() throws SQLException {
    TestPostgres.dropSchema(schema);
  }

  @Test
  void aLookupByRunUsesTheRunIndexWhichHoldsOnlyCallsOfRuns() throws Exception {
    StringBuilder plan = new StringBuilder();
    try (Connection c = inspect(); Statement s = c.createStatement()) {
      s.execute("SET enable_seqscan = off"); // a tiny table: make the planner show whether the index can serve
      try (ResultSet rs = s.executeQuery(
          "EXPLAIN SELECT * FROM usage_records WHERE tenant = 'acme' AND run = 'run_1' ORDER BY time, id")) {
        while (rs.next()) plan.append(rs.getString(1)).append('\n');
      }
      try (ResultSet rs = s.executeQuery("SELECT indexdef FROM pg_indexes WHERE indexname = 'usage_records_run'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).endsWith("WHERE (run IS NOT NULL)");
      }
    }
    assertThat(plan.toString()).contains("usage_records_run");
  }
}
