package dev.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Random;

/**
 * A gateway with a scripted workload for the dashboard: three tenants, features, two priced
 * models on two backends, a failing model, streams, agent runs, budgets (one of them refusing
 * calls), and a week of history written into the ledger the way the meter, the caches, the
 * cascades and the run guard record calls, so that every chart has something in most buckets.
 */
final class DashboardWorkload implements AutoCloseable {
  static final String ADMIN = "sk-admin-dashboard-test";
  static final String[] AS_ADMIN = {"authorization", "Bearer " + ADMIN};

  final FakeUpstream upstream = FakeUpstream.start();
  final TestGateway sluice;
  final Path db;

  private DashboardWorkload(Path dir) {
    db = dir.resolve("sluice.db");
    sluice = TestGateway.start("""
        admin_key: %s
        store: sqlite:%s
        models:
          - name: chat-large
            price: {input_per_mtok: 10.00, output_per_mtok: 30.00}
            deployments:
              - {id: gpu-a, provider: openai, base_url: "${UPSTREAM}", model: ok, pool: gpu}
          - name: chat-small
            price: {input_per_mtok: 0.50, output_per_mtok: 1.50}
            deployments:
              - {id: cpu-a, provider: openai, base_url: "${UPSTREAM}", model: slow-40, pool: cpu}
          - name: broken
            price: {input_per_mtok: 1.00, output_per_mtok: 1.00}
            retry: {max_retries: 0}
            deployments:
              - {id: gpu-b, provider: openai, base_url: "${UPSTREAM}", model: error-500, pool: gpu}
        """.formatted(ADMIN, db), Map.of("UPSTREAM", upstream.baseUrl()));
  }

  /** An empty gateway: no traffic, no budgets. */
  static DashboardWorkload empty(Path dir) {
    return new DashboardWorkload(dir);
  }

  /** The gateway with its week of history and a live workload through the HTTP API. */
  static DashboardWorkload full(Path dir) throws SQLException {
    DashboardWorkload w = new DashboardWorkload(dir);
    w.writeHistory(Instant.now());
    w.runLiveTraffic();
    return w;
  }

  JsonNode admin(String path) {
    TestGateway.Response r = sluice.get(path, AS_ADMIN);
    assertThat(r.status()).as("GET " + path + ": " + r.body()).isEqualTo(200);
    return r.json();
  }

  private JsonNode adminPost(String path, String body) {
    TestGateway.Response r = sluice.post(path, body, AS_ADMIN);
    assertThat(r.status()).as("POST " + path + ": " + r.body()).isEqualTo(200);
    return r.json();
  }

  /** Calls through the gateway: keys, budgets, features, runs, a stream, failures and refusals. */
  private void runLiveTraffic() {
    for (String t : new String[] {"acme", "globex", "initech"}) adminPost("/admin/tenants", "{\"name\":\"" + t + "\"}");
    String acme = adminPost("/admin/keys", "{\"tenant\":\"acme\",\"name\":\"web\"}").get("key").asText();
    String globex = adminPost("/admin/keys", "{\"tenant\":\"globex\",\"name\":\"batch\"}").get("key").asText();
    String initech = adminPost("/admin/keys", "{\"tenant\":\"initech\"}").get("key").asText();
    adminPost("/admin/budgets", "{\"scope\":\"tenant\",\"tenant\":\"acme\",\"amount_usd\":4,\"period\":\"month\",\"action\":\"alert\"}");
    adminPost("/admin/budgets", "{\"scope\":\"feature\",\"tenant\":\"globex\",\"target\":\"summarize\",\"amount_usd\":0.1,"
        + "\"period\":\"day\",\"action\":\"block\"}");
    adminPost("/admin/budgets", "{\"scope\":\"tenant\",\"tenant\":\"initech\",\"amount_usd\":20,\"period\":\"week\"}");

    for (int i = 0; i < 6; i++) call(acme, "chat-large", "search", null, false, "where is order " + i);
    for (int i = 0; i < 3; i++) call(acme, "chat-large", "research", "agent-run-42", false, "step " + i);
    for (int i = 0; i < 4; i++) call(acme, "chat-small", "chat", null, true, "hello " + i);
    for (int i = 0; i < 5; i++) call(globex, "chat-small", "summarize", "nightly-digest", false, "summarize doc " + i);
    for (int i = 0; i < 2; i++) call(initech, "chat-large", "chat", null, i == 0, "question " + i);
    for (int i = 0; i < 3; i++) call(initech, "broken", "chat", null, false, "this will fail " + i);
  }

  private void call(String key, String model, String feature, String run, boolean stream, String message) {
    String[] headers = run == null
        ? new String[] {"authorization", "Bearer " + key, "x-sluice-feature", feature}
        : new String[] {"authorization", "Bearer " + key, "x-sluice-feature", feature, "x-sluice-run", run};
    sluice.post("/v1/chat/completions", TestGateway.chatBody(model, message, stream), headers);
  }

  /**
   * About 700 records over the last six and a half days, more of them lately, written straight
   * into the ledger's table as the gateway writes them: answered calls, streams, cache hits,
   * cascades, runs stopped by the run guard, upstream failures and refusals.
   */
  private void writeHistory(Instant now) throws SQLException {
    Random random = new Random(7);
    String[] tenants = {"acme", "acme", "acme", "globex", "globex", "initech"};
    String[] features = {"search", "chat", "summarize", "research", null};
    String sql = "INSERT INTO usage_records (time, request_id, tenant, key_id, feature, end_user, run, tags, operation, "
        + "model_asked, model_served, deployment, provider, pool, input_tokens, cached_input_tokens, cache_write_tokens, "
        + "output_tokens, reasoning_tokens, cost_nanos, charge_nanos, priced, cache_status, avoided_nanos, mechanism, "
        + "latency_micros, ttft_micros, status, error_code, error_class, attempts) "
        + "VALUES (?, ?, ?, ?, ?, NULL, ?, '{}', 'chat', ?, ?, ?, 'openai', ?, ?, 0, 0, ?, 0, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, '[]')";
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA busy_timeout = 10000");
      }
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        for (int n = 0; n < 700; n++) {
          // ages spread over 156 hours, denser towards now
          double u = random.nextDouble();
          Duration age = Duration.ofSeconds((long) (156 * 3600 * u * u) + 90);
          Instant time = now.minus(age).truncatedTo(ChronoUnit.MILLIS);
          String tenant = tenants[random.nextInt(tenants.length)];
          String feature = features[random.nextInt(features.length)];
          boolean large = random.nextInt(3) == 0;
          String model = large ? "chat-large" : "chat-small";
          String deployment = large ? "gpu-a" : "cpu-a";
          long in = 200 + random.nextInt(3000);
          long out = 50 + random.nextInt(800);
          long cost = large ? in * 10_000 + out * 30_000 : in * 500 + out * 1_500;
          boolean streamed = random.nextInt(3) == 0;
          long latency = (long) ((large ? 900_000 : 250_000) * Math.exp(random.nextGaussian() * 0.5));
          long ttft = streamed ? latency / (3 + random.nextInt(4)) : -1;
          String run = feature != null && feature.equals("research") ? "agent-" + tenant + "-" + random.nextInt(4) : null;
          String cacheStatus = "miss";
          long avoided = 0;
          String mechanism = null;
          int status = 200;
          String errorCode = null;
          String errorClass = null;
          int kind = random.nextInt(100);
          if (kind < 12) { // an exact cache hit: the upstream's cost avoided
            cacheStatus = "hit";
            mechanism = "exact";
            avoided = cost;
            cost = 0;
            deployment = null;
            latency = 300 + random.nextInt(500);
          } else if (kind < 17) { // a semantic cache hit
            cacheStatus = "semantic";
            mechanism = "semantic";
            avoided = cost;
            cost = 0;
            deployment = null;
            latency = 4_000 + random.nextInt(3_000);
          } else if (kind < 25 && !large) { // a cascade: the small model answered for the large one
            mechanism = "cascade";
            avoided = in * 9_500 + out * 28_500;
          } else if (kind < 27) { // a runaway run stopped by the run guard
            status = 429;
            errorCode = "run_loop_detected";
            errorClass = "run_guard";
            mechanism = "run_guard";
            avoided = cost;
            cost = 0;
            in = 0;
            out = 0;
            deployment = null;
            run = "agent-stuck-" + random.nextInt(3);
            latency = 200;
            ttft = -1;
          } else if (kind < 30) { // the upstream failed
            status = 502;
            errorCode = "upstream_error";
            errorClass = "status_5xx";
            cost = 0;
            in = 0;
            out = 0;
            ttft = -1;
          } else if (kind < 32) { // refused by a rate limit
            status = 429;
            errorCode = "rate_limit_exceeded";
            errorClass = "rate_limit";
            cost = 0;
            in = 0;
            out = 0;
            deployment = null;
            latency = 150;
            ttft = -1;
          }
          int i = 0;
          ps.setLong(++i, time.getEpochSecond() * 1_000_000 + time.getNano() / 1_000);
          ps.setString(++i, "req_history_" + n);
          ps.setString(++i, tenant);
          ps.setString(++i, "key_" + tenant);
          ps.setString(++i, feature);
          ps.setString(++i, run);
          ps.setString(++i, model);
          ps.setString(++i, deployment == null && errorClass != null ? null : model);
          ps.setString(++i, deployment);
          ps.setString(++i, large ? "gpu" : "cpu");
          ps.setLong(++i, in);
          ps.setLong(++i, out);
          ps.setLong(++i, cost);
          ps.setLong(++i, cost * 12 / 10);
          ps.setString(++i, cacheStatus);
          ps.setLong(++i, avoided);
          ps.setString(++i, mechanism);
          ps.setLong(++i, latency);
          ps.setLong(++i, ttft);
          ps.setInt(++i, status);
          ps.setString(++i, errorCode);
          ps.setString(++i, errorClass);
          ps.addBatch();
        }
        ps.executeBatch();
      }
      // one call of globex's nightly summaries a minute ago, of $0.12: more than its daily budget allows
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO usage_records (time, request_id, tenant, key_id, "
          + "feature, tags, operation, model_asked, model_served, deployment, provider, pool, input_tokens, "
          + "cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_nanos, charge_nanos, priced, "
          + "cache_status, avoided_nanos, latency_micros, ttft_micros, status) VALUES (?, 'req_history_digest', 'globex', "
          + "'key_globex', 'summarize', '{}', 'chat', 'chat-small', 'chat-small', 'cpu-a', 'openai', 'cpu', 150000, 0, 0, "
          + "30000, 0, 120000000, 120000000, 1, 'miss', 0, 9800000, -1, 200)")) {
        Instant t = now.minusSeconds(60);
        ps.setLong(1, t.getEpochSecond() * 1_000_000 + t.getNano() / 1_000);
        ps.executeUpdate();
      }
      c.commit();
    }
  }

  @Override
  public void close() {
    sluice.close();
    upstream.close();
  }
}
