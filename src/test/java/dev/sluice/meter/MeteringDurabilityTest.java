package dev.sluice.meter;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.Json;
import dev.sluice.store.Store;
import dev.sluice.store.Stores;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.GatewayProcess;
import dev.sluice.testing.TestGateway;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metering promise, checked from outside the process: once a client has its complete response
 * (the whole JSON body, or a stream through {@code data: [DONE]}), the request's usage record
 * survives a {@code kill -9} of Sluice, and no request is ever recorded twice.
 *
 * <p>Sluice runs as {@code sluice serve} in a JVM of its own on an SQLite store; sixteen clients
 * call it with fast and slow, streamed and whole answers until it is killed in the middle of their
 * requests; then a second Sluice starts on the same store (replaying the ledger journal) and the
 * ledger is read through the admin API and straight from the store.
 */
class MeteringDurabilityTest {
  private static final String ADMIN = "sk-admin-durability-test";
  private static final int CLIENTS = 16;
  private static final Duration STARTUP = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  /** What the clients saw. */
  private static final class Seen {
    final Set<String> completed = ConcurrentHashMap.newKeySet();
    final AtomicInteger broken = new AtomicInteger(); // requests sent before the kill and cut off by it
    final List<String> unexpected = new CopyOnWriteArrayList<>();
    volatile boolean killing;
  }

  @Test
  void everyCompletedResponseHasExactlyOneUsageRecordAfterASigkill() throws Exception {
    Path db = dir.resolve("sluice.db");
    try (FakeUpstream upstream = FakeUpstream.start()) {
      Path config = dir.resolve("sluice.yaml");
      Files.writeString(config, """
          listen: 127.0.0.1:0
          admin_key: %s
          store: sqlite:%s
          models:
            - name: fast
              price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
              deployments:
                - {provider: openai, base_url: "%s", model: ok}
            - name: slow
              price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
              deployments:
                - {provider: openai, base_url: "%s", model: slow-40}
            - name: slow-stream
              price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
              deployments:
                - {provider: openai, base_url: "%s", model: slow-stream-15}
          """.formatted(ADMIN, db, upstream.baseUrl(), upstream.baseUrl(), upstream.baseUrl()));

      Seen seen = new Seen();
      int exit = -1;
      int completedBeforeTheLock = 0;
      GatewayProcess first = GatewayProcess.start(config, dir, dir.resolve("first.log"), STARTUP);
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();
      List<Thread> clients = new ArrayList<>();
      try {
        // A fresh JVM takes most of a second over its first request; load a warm gateway, as in production.
        for (String model : List.of("fast", "slow-stream")) {
          HttpResponse<String> r = http.send(chat(first.port(), model, "warm up", model.equals("slow-stream")),
              HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).as("warm-up call: %s", r.body()).isEqualTo(200);
        }
        for (int c = 0; c < CLIENTS; c++) {
          int client = c;
          clients.add(Thread.ofPlatform().name("client-" + c).start(() -> drive(http, first.port(), client, seen)));
        }
        awaitCompleted(seen, 50);
        // For the last stretch the database is busy: another connection holds its write lock, so the
        // records of that stretch are acknowledged from the ledger journal and not yet in the database.
        try (Connection busy = DriverManager.getConnection("jdbc:sqlite:" + db); Statement lock = busy.createStatement()) {
          lock.execute("BEGIN IMMEDIATE");
          try {
            completedBeforeTheLock = seen.completed.size();
            awaitCompleted(seen, completedBeforeTheLock + 50);
          } finally {
            seen.killing = true;
            exit = first.kill(); // SIGKILL, with requests of every kind in flight
            lock.execute("ROLLBACK");
          }
        }
      } finally {
        seen.killing = true;
        if (exit < 0) exit = first.kill();
        for (Thread t : clients) t.join(10_000);
      }

      assertThat(exit).as("killed by SIGKILL").isEqualTo(128 + 9);
      assertThat(seen.unexpected).as("answers other than a complete 200 before the kill").isEmpty();
      assertThat(completedBeforeTheLock).as("responses completed before the database was locked").isGreaterThan(20);
      assertThat(seen.completed.size() - completedBeforeTheLock).as("responses completed while it was locked").isGreaterThan(20);
      assertThat(seen.broken.get()).as("requests cut off by the kill").isPositive();
      assertThat(storedRecords(db)).as("records in the database alone after the kill: the journal holds the rest")
          .isLessThan(seen.completed.size());

      long recorded;
      try (GatewayProcess second = GatewayProcess.start(config, dir, dir.resolve("second.log"), STARTUP)) {
        JsonNode totals = adminGet(http, second.url("/admin/usage"));
        assertThat(totals.get("rows")).as("one row of totals").hasSize(1);
        recorded = totals.at("/rows/0/requests").asLong();
        System.out.printf("completed: %d before the lock, %d while locked; cut off by the kill: %d; usage records after "
            + "the restart: %d (%s)%n", completedBeforeTheLock, seen.completed.size() - completedBeforeTheLock,
            seen.broken.get(), recorded, replayed(second.log()));
      }

      assertThat(recorded).as("records for at least every completed response").isGreaterThanOrEqualTo(seen.completed.size());
      try (Store store = Stores.open("sqlite:" + db)) {
        for (String id : seen.completed) {
          assertThat(store.ledger().byRequestId(id)).as("records of completed request %s", id).hasSize(1);
        }
      }
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT COUNT(*), COUNT(DISTINCT request_id) FROM usage_records")) {
        rs.next();
        assertThat(rs.getLong(2)).as("distinct request ids").isEqualTo(rs.getLong(1));
      }
      assertThat(storedRecords(db)).as("records in the store, as /admin/usage counted them").isEqualTo(recorded);
    }
  }

  /** One client: requests of the four kinds in turn until the gateway is gone. */
  private static void drive(HttpClient http, int port, int client, Seen seen) {
    String[] models = {"fast", "fast", "slow", "slow-stream"};
    for (int i = client; ; i++) {
      String model = models[i % models.length];
      boolean stream = model.equals("slow-stream") || i % 8 == 1;
      HttpRequest request = chat(port, model, "client " + client + " call " + i, stream);
      boolean beforeTheKill = !seen.killing;
      try {
        HttpResponse<InputStream> r = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        String id = r.headers().firstValue("x-sluice-request-id").orElse(null);
        try (InputStream body = r.body()) {
          if (r.statusCode() != 200 || id == null) {
            seen.unexpected.add(r.statusCode() + " " + new String(body.readAllBytes(), StandardCharsets.UTF_8));
          } else if (stream ? readsThroughDone(body) : isWholeCompletion(body)) {
            seen.completed.add(id);
          } else if (!seen.killing) {
            seen.unexpected.add("request " + id + " ended short of a complete answer");
          } else if (beforeTheKill) {
            seen.broken.incrementAndGet();
          }
        }
      } catch (IOException e) {
        if (!seen.killing) seen.unexpected.add(e.toString());
        else if (beforeTheKill) seen.broken.incrementAndGet();
        return; // the gateway is gone
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private static HttpRequest chat(int port, String model, String message, boolean stream) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(10))
        .header("authorization", "Bearer " + ADMIN)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody(model, message, stream)))
        .build();
  }

  /** Whether a stream's events end with {@code [DONE]}, the end that waits for the usage record. */
  private static boolean readsThroughDone(InputStream body) throws IOException {
    BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    for (String line; (line = lines.readLine()) != null; ) {
      if (line.equals("data: [DONE]")) return true;
    }
    return false;
  }

  /** Whether the body is a whole chat completion (a body cut short fails to parse, or throws). */
  private static boolean isWholeCompletion(InputStream body) throws IOException {
    byte[] bytes = body.readAllBytes();
    try {
      return Json.MAPPER.readTree(bytes).has("choices");
    } catch (IOException e) {
      return false;
    }
  }

  private static long storedRecords(Path db) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM usage_records")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static JsonNode adminGet(HttpClient http, String url) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("authorization", "Bearer " + ADMIN)
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET %s: %s", url, r.body()).isEqualTo(200);
    return Json.MAPPER.readTree(r.body());
  }

  private static String replayed(String log) {
    Matcher m = Pattern.compile("ledger: replayed \\d+ usage records from the journal[^\\n]*").matcher(log);
    return m.find() ? m.group() : "no journal to replay";
  }

  /**
   * Waits until {@code count} responses have completed (at most 30 s): a fixed sleep would measure
   * the machine's load rather than the gateway, and a busy machine completes few requests a second.
   */
  private static void awaitCompleted(Seen seen, int count) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (seen.completed.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

}
