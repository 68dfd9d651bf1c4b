package dev.sluice.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqlitePragmasTest {
  @TempDir Path dir;

  @Test
  void everyConnectionUsesWalNormalSyncForeignKeysAndABusyTimeout() throws Exception {
    try (JdbcStore store = JdbcStore.open(StoreUrl.parse("sqlite:" + dir.resolve("s.db")), InstantSource.system());
        Connection c = store.dataSource().getConnection()) {
      assertThat(pragma(c, "journal_mode")).isEqualTo("wal");
      assertThat(pragma(c, "synchronous")).isEqualTo("1"); // NORMAL
      assertThat(pragma(c, "foreign_keys")).isEqualTo("1");
      assertThat(pragma(c, "busy_timeout")).isEqualTo("5000");
    }
  }

  @Test
  void syncFullInTheUrlMakesEveryCommitWaitForTheDisk() throws Exception {
    try (JdbcStore store = JdbcStore.open(StoreUrl.parse("sqlite:" + dir.resolve("s.db") + "?sync=full"),
            InstantSource.system());
        Connection c = store.dataSource().getConnection()) {
      assertThat(pragma(c, "synchronous")).isEqualTo("2"); // FULL
      assertThat(store.describe()).endsWith("s.db?sync=full");
    }
  }

  private static String pragma(Connection c, String name) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + name)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
