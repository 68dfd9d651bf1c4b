package dev.sluice.store;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Map;

/**
 * Appends usage records to an SQLite store as fast as it can, from many threads, and prints each
 * record's request id on its own line only once its append has completed: every id printed is a
 * record Sluice has promised to keep. Runs until killed. Started by {@link LedgerDurabilityTest}.
 *
 * <p>Arguments: the SQLite file, and a prefix for the request ids.
 */
public final class LedgerCrashChild {
  private static final int APPENDERS = 32;

  public static void main(String[] args) throws Exception {
    Store store = Stores.open("sqlite:" + args[0]);
    String prefix = args[1];
    PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false);
    for (int t = 0; t < APPENDERS; t++) {
      int thread = t;
      Thread.ofVirtual().start(() -> {
        for (long i = 0; ; i++) {
          String id = prefix + "-" + thread + "-" + i;
          store.ledger().append(record(id)).toCompletableFuture().join();
          synchronized (out) {
            out.print(id + "\n");
            out.flush();
          }
        }
      });
    }
    Thread.sleep(Long.MAX_VALUE);
  }

  static UsageRecord record(String requestId) {
    return new UsageRecord(Instant.now(), requestId, "acme", "key_1", "chat", "u1", null, Map.of("k", "v"), "chat",
        "gpt-4o", "gpt-4o", "openai-1", "openai", "api", 120, 0, 0, 40, 0, 1_000, 1_200, true, "miss", 0, null, 900,
        -1, 200, null, null, "[]");
  }
}
