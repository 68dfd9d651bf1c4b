package dev.sluice.bench;

import dev.sluice.store.Store;
import dev.sluice.store.Stores;
import dev.sluice.store.UsageRecord;
import dev.sluice.store.jdbc.JdbcStore;
import dev.sluice.store.jdbc.LedgerStats;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Load on the usage ledger: N appenders (virtual threads), each appending a record and waiting for
 * its commit before appending the next, as the gateway's requests do. Reports committed records
 * per second, the append-to-commit latency (p50, p99, max), and the mean number of records per
 * transaction (the group commit at work), for each number of appenders in turn.
 *
 * <p>Run (about 10 s per appender count; not part of the build):
 *
 * <pre>
 * mvn -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp
 * CP=target/test-classes:target/classes:$(cat target/bench.cp)
 * java --enable-native-access=ALL-UNNAMED -cp $CP dev.sluice.bench.LedgerLoad sqlite:/tmp/ledger-load.db 1,16,64,256
 * java --enable-native-access=ALL-UNNAMED -cp $CP dev.sluice.bench.LedgerLoad \
 *     'postgresql://127.0.0.1:5432/test?user=postgres&amp;schema=sluice_bench' 1,16,64,256
 * </pre>
 *
 * The SQLite file is deleted first. A PostgreSQL URL must name a schema starting with
 * {@code sluice_bench}; it is dropped before and after the run. Optional third and fourth
 * arguments: seconds of warm-up and of measurement per appender count (default 3 and 7).
 */
public final class LedgerLoad {
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: LedgerLoad STORE_URL APPENDERS[,APPENDERS...] [WARMUP_S] [MEASURE_S]");
      System.exit(2);
    }
    String url = args[0];
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int measure = args.length > 3 ? Integer.parseInt(args[3]) : 7;
    fresh(url);
    System.out.printf("%-10s %12s %10s %10s %10s %12s%n", "appenders", "records/s", "p50 µs", "p99 µs", "max µs",
        "records/tx");
    try (Store store = Stores.open(url)) {
      for (String n : args[1].split(",")) run(store, Integer.parseInt(n.strip()), warmup, measure);
    } finally {
      dropBenchSchema(url);
    }
  }

  private static void run(Store store, int appenders, int warmupSeconds, int measureSeconds) throws Exception {
    Recorder latencies = new Recorder(3);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong sequence = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < appenders; i++) {
      threads.add(Thread.ofVirtual().start(() -> {
        while (!stop.get()) {
          UsageRecord r = record("load-" + appenders + "-" + sequence.incrementAndGet());
          long start = System.nanoTime();
          try {
            store.ledger().append(r)
                .whenComplete((ok, e) -> latencies.recordValue((System.nanoTime() - start) / 1_000))
                .toCompletableFuture().join();
          } catch (RuntimeException e) {
            failures.incrementAndGet();
          }
        }
      }));
    }
    Thread.sleep(warmupSeconds * 1_000L);
    latencies.reset();
    LedgerStats before = ((JdbcStore) store).ledgerStats();
    long t0 = System.nanoTime();
    Thread.sleep(measureSeconds * 1_000L);
    Histogram h = latencies.getIntervalHistogram();
    LedgerStats after = ((JdbcStore) store).ledgerStats();
    double seconds = (System.nanoTime() - t0) / 1e9;
    stop.set(true);
    for (Thread t : threads) t.join();

    long committed = after.committed() - before.committed();
    long transactions = after.transactions() - before.transactions();
    System.out.printf("%-10d %12.0f %10d %10d %10d %12.1f%s%n", appenders, committed / seconds,
        h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getMaxValue(),
        transactions == 0 ? 0.0 : (double) committed / transactions,
        failures.get() == 0 ? "" : "  (" + failures.get() + " appends failed)");
  }

  static UsageRecord record(String requestId) {
    return new UsageRecord(Instant.now(), requestId, "acme", "key_01hx", "support-bot", "user-1234", null,
        Map.of("env", "prod"), "chat", "gpt-4o-mini", "gpt-4o-mini", "openai-1", "openai", "api", 1_250, 1_024, 0,
        310, 0, 2_345_000, 2_814_000, true, "miss", 0, null, 842_000, 120_000, 200, null, null,
        "[{\"deployment\":\"openai-1\",\"status\":200,\"latency_ms\":842}]");
  }

  private static void fresh(String url) throws Exception {
    if (url.startsWith("sqlite:")) {
      String file = url.substring("sqlite:".length()).replaceFirst("\\?.*", "");
      for (String suffix : new String[] {"", "-wal", "-shm"}) java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(file + suffix));
    } else {
      dropBenchSchema(url);
    }
  }

  private static void dropBenchSchema(String url) throws Exception {
    if (url.startsWith("sqlite:")) return;
    URI u = URI.create(url.replaceFirst("^postgres(ql)?://", "http://"));
    String schema = null;
    String user = null;
    for (String p : u.getRawQuery().split("&")) {
      if (p.startsWith("schema=")) schema = p.substring(7);
      if (p.startsWith("user=")) user = p.substring(5);
    }
    if (schema == null || !schema.startsWith("sluice_bench")) {
      throw new IllegalArgumentException("give the PostgreSQL URL a schema starting with sluice_bench (it is dropped)");
    }
    String jdbc = "jdbc:postgresql://" + u.getHost() + ":" + (u.getPort() < 0 ? 5432 : u.getPort()) + u.getPath();
    try (Connection c = DriverManager.getConnection(jdbc, user, null); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }
}
