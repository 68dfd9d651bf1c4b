package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger's promise, checked from outside: a record whose append completed survives a
 * {@code kill -9} of the process that wrote it, exactly once.
 */
class LedgerDurabilityTest {
  @TempDir Path dir;

  @Test
  void everyAcknowledgedRecordSurvivesASigkillExactlyOnce() throws Exception {
    Path db = dir.resolve("sluice.db");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), LedgerCrashChild.class.getName(), db.toString(), "crash")
        .redirectError(dir.resolve("child.err").toFile())
        .start();
    Output printed = new Output(child.getInputStream());
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (printed.lines() < 1 && System.nanoTime() < deadline && child.isAlive()) Thread.sleep(20);
      Thread.sleep(2_000); // appends at full speed for two seconds
      assertThat(child.isAlive()).as("the child runs until killed; its errors: %s", errors()).isTrue();
    } finally {
      child.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no flush, no close
      child.waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
    printed.thread.join(5_000);

    List<String> acknowledged = printed.completeLines();
    assertThat(acknowledged).as("records acknowledged before the kill").hasSizeGreaterThan(500);

    Stores.open("sqlite:" + db).close(); // Sluice starts again on the same file
    Map<String, Integer> stored = new HashMap<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT request_id, COUNT(*) FROM usage_records GROUP BY request_id")) {
      while (rs.next()) stored.put(rs.getString(1), rs.getInt(2));
    }
    System.out.printf("acknowledged before the kill: %d records; in the file after it: %d%n", acknowledged.size(),
        stored.size());
    assertThat(acknowledged).allSatisfy(id -> assertThat(stored.get(id)).as("copies of record %s", id).isEqualTo(1));
    assertThat(stored.values()).allMatch(n -> n == 1);
    assertThat(stored.size()).isGreaterThanOrEqualTo(acknowledged.size());
  }

  private String errors() throws Exception {
    Path err = dir.resolve("child.err");
    return Files.exists(err) ? Files.readString(err) : "";
  }

  /** Reads a process's stdout to the end, keeping only whole lines (a kill may cut the last one). */
  private static final class Output {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private int newlines;
    final Thread thread;

    Output(InputStream in) {
      thread = Thread.ofPlatform().daemon(true).start(() -> {
        byte[] buf = new byte[8192];
        try {
          for (int n; (n = in.read(buf)) > 0; ) {
            synchronized (this) {
              bytes.write(buf, 0, n);
              for (int i = 0; i < n; i++) if (buf[i] == '\n') newlines++;
            }
          }
        } catch (java.io.IOException ignored) {
          // the process is gone
        }
      });
    }

    synchronized int lines() {
      return newlines;
    }

    synchronized List<String> completeLines() {
      String text = bytes.toString(StandardCharsets.UTF_8);
      List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
      lines.removeLast(); // empty after the last newline, or a line the kill cut short
      assertThat(lines).allMatch(l -> l.matches("crash-\\d+-\\d+"));
      return lines;
    }
  }
}
