package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.store.ApiKeys.ApiKey;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest extends StoreContract {
  @TempDir Path dir;

  Path file() {
    return dir.resolve("data/nested/sluice.db");
  }

  @Override
  String newUrl() {
    return "sqlite:" + file();
  }

  @Override
  Connection inspect() throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + file());
  }

  @Test
  void theFileIsCreatedWithItsFoldersAndKeptInWalMode() throws Exception {
    assertThat(file()).exists();
    try (Connection c = inspect(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("wal");
    }
  }

  @Test
  void theDatabaseFilesNeverHoldAKeySecret() throws Exception {
    String secret = "sk-sluice-9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    String hash = hash(secret);
    store.tenants().create("acme", null);
    store.keys().insert(new ApiKey("key_1", "acme", "ci", hash, secret.substring(secret.length() - 4), List.of(),
        NOW, null, null));

    byte[] files = readAll(file(), Path.of(file() + "-wal"));
    assertThat(contains(files, hash)).as("the hash is in the files (so the scan can see text)").isTrue();
    assertThat(contains(files, secret)).as("the secret is in the files").isFalse();
    store.close(); // checkpoints the WAL into the main file
    store = null;
    assertThat(contains(readAll(file()), hash)).isTrue();
    assertThat(contains(readAll(file()), secret)).isFalse();
  }

  private static byte[] readAll(Path... paths) throws Exception {
    var out = new java.io.ByteArrayOutputStream();
    for (Path p : paths) if (Files.exists(p)) out.write(Files.readAllBytes(p));
    return out.toByteArray();
  }

  private static boolean contains(byte[] haystack, String needle) {
    byte[] n = needle.getBytes(StandardCharsets.UTF_8);
    outer:
    for (int i = 0; i + n.length <= haystack.length; i++) {
      for (int j = 0; j < n.length; j++) if (haystack[i + j] != n[j]) continue outer;
      return true;
    }
    return false;
  }

  @Test
  void aLookupByRunUsesTheRunIndexWhichHoldsOnlyCallsOfRuns() throws Exception {
    StringBuilder plan = new StringBuilder();
    try (Connection c = inspect(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery(
          "EXPLAIN QUERY PLAN SELECT * FROM usage_records WHERE tenant = 'acme' AND run = 'run_1' ORDER BY time, id")) {
        while (rs.next()) plan.append(rs.getString("detail")).append('\n');
      }
      try (ResultSet rs = s.executeQuery("SELECT sql FROM sqlite_master WHERE name = 'usage_records_run'")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).endsWith("WHERE run IS NOT NULL");
      }
    }
    assertThat(plan.toString()).contains("USING INDEX usage_records_run");
  }
}
