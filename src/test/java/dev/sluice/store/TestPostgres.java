package dev.sluice.store;

import static org.assertj.core.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The PostgreSQL server of the test machine (127.0.0.1:5432, trust auth, database {@code test}).
 * Started if it does not answer; every store gets a schema of its own, dropped afterwards.
 */
final class TestPostgres {
  static final String HOST = "127.0.0.1";
  static final int PORT = 5432;
  static final String DATABASE = "test";
  static final String USER = "postgres";
  private static final String START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start";

  private TestPostgres() {}

  /** Makes sure the server answers, starting it if needed; fails the test when it cannot. */
  static synchronized void ensureRunning() throws Exception {
    if (answers()) return;
    Process start = new ProcessBuilder("sh", "-c", START).redirectErrorStream(true).start();
    String output = new String(start.getInputStream().readAllBytes());
    start.waitFor(30, TimeUnit.SECONDS);
    for (int i = 0; i < 100 && !answers(); i++) Thread.sleep(200);
    if (!answers()) fail("PostgreSQL does not answer on " + HOST + ":" + PORT + ", and '" + START + "' said: " + output);
  }

  /** A new schema name, unique to this run. */
  static String newSchema() {
    return "sluice_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  }

  static String url(String schema) {
    return "postgresql://" + HOST + ":" + PORT + "/" + DATABASE + "?user=" + USER + "&schema=" + schema;
  }

  static Connection connect(String schema) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", USER);
    if (schema != null) p.setProperty("currentSchema", schema);
    return DriverManager.getConnection("jdbc:postgresql://" + HOST + ":" + PORT + "/" + DATABASE, p);
  }

  static void dropSchema(String schema) throws SQLException {
    try (Connection c = connect(null); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  private static boolean answers() {
    try (Connection c = connect(null)) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }
}
