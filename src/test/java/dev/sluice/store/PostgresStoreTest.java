package dev.sluice.store;

import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;

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
}
