package dev.sluice.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.store.StoreException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpeningAStoreTest {
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
  void aNewDatabaseIsCreatedWithSixteenKibPagesInWalMode() throws Exception {
    try (JdbcStore store = JdbcStore.open(StoreUrl.parse("sqlite:" + dir.resolve("new.db")), InstantSource.system());
        Connection c = store.dataSource().getConnection()) {
      assertThat(pragma(c, "page_size")).isEqualTo("16384");
      assertThat(pragma(c, "journal_mode")).isEqualTo("wal");
    }
  }

  @Test
  void anEmptyFileIsTreatedAsANewDatabase() throws Exception {
    Path file = dir.resolve("empty.db");
    java.nio.file.Files.createFile(file);

    try (JdbcStore store = JdbcStore.open(StoreUrl.parse("sqlite:" + file), InstantSource.system());
        Connection c = store.dataSource().getConnection()) {
      assertThat(pragma(c, "page_size")).isEqualTo("16384");
    }
  }

  @Test
  void aDatabaseCreatedWithOtherPagesKeepsThemAndItsData() throws Exception {
    Path file = dir.resolve("old.db");
    try (Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      s.execute("PRAGMA page_size=4096");
      s.execute("PRAGMA journal_mode=WAL");
    }
    StoreUrl url = StoreUrl.parse("sqlite:" + file);
    try (JdbcStore store = JdbcStore.open(url, InstantSource.system());
        Connection c = store.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("INSERT INTO tenants (id, name, created_at) VALUES ('ten_kept', 'kept', 0)");
    }

    try (JdbcStore store = JdbcStore.open(url, InstantSource.system());
        Connection c = store.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT name FROM tenants WHERE id = 'ten_kept'")) {
      assertThat(pragma(c, "page_size")).isEqualTo("4096");
      assertThat(pragma(c, "journal_mode")).isEqualTo("wal");
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("kept");
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

  @Test
  void anUnreachableDatabaseIsReportedWithoutItsPassword() {
    assertThatThrownBy(() -> JdbcStore.open(
        StoreUrl.parse("postgresql://127.0.0.1:1/test?user=gw&password=hunter2"), InstantSource.system()))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("could not open the store postgresql://127.0.0.1:1/test?user=gw")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void aFolderThatCannotBeCreatedIsReported() throws Exception {
    Path file = dir.resolve("not-a-folder");
    java.nio.file.Files.writeString(file, "");

    assertThatThrownBy(() -> JdbcStore.open(StoreUrl.parse("sqlite:" + file.resolve("s.db")), InstantSource.system()))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("could not create the folder");
  }

  private static String pragma(Connection c, String name) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + name)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
