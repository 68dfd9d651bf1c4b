package dev.sluice.demo;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.sluice.Gateway;
import dev.sluice.api.Json;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code sluice demo}: emulated backends, a gateway in front of them configured from
 * {@code demo/sluice-demo.yaml} with budgets, and a built-in workload; afterwards a summary read
 * from the usage ledger.
 *
 * <pre>{@code
 * try (Demo demo = Demo.start(new Demo.Options(Duration.ofSeconds(60), 8080, null, 42))) {
 *   demo.runWorkload();
 *   demo.summary().print(System.out);
 * }
 * }</pre>
 */
public final class Demo implements AutoCloseable {
  /** The config the demo runs, a resource of the jar. */
  public static final String CONFIG = "demo/sluice-demo.yaml";

  /** Tenant -> what its traffic is, in the order the summary lists them. */
  static final Map<String, String> WORKLOADS = orderedMap(
      "support-app", "chat users",
      "research-agents", "agents",
      "batch-jobs", "background jobs");

  /**
   * How to run the demo.
   *
   * @param duration how long the workload runs
   * @param port where the gateway listens on loopback; if taken, a free port is used instead
   * @param store the store to keep the ledger in, or {@code null} for a fresh one removed on close
   * @param seed fixes the workload and the emulators' draws
   */
  public record Options(Duration duration, int port, String store, long seed) {}

  private static final ObjectReader READER = Json.MAPPER.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private final Options options;
  private final DemoBackends backends;
  private final Gateway gateway;
  private final String adminKey;
  private final DemoWorkload.DemoKeys keys;
  private final Path tempDir;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private DemoWorkload workload;
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

  private Demo(Options options, DemoBackends backends, Gateway gateway, String adminKey, DemoWorkload.DemoKeys keys,
      Path tempDir) {
    this.options = options;
    this.backends = backends;
    this.gateway = gateway;
    this.adminKey = adminKey;
    this.keys = keys;
    this.tempDir = tempDir;
  }

  /** Starts the backends and the gateway, and sets the tenants' budgets. */
  public static Demo start(Options options) {
    Path tempDir = null;
    DemoBackends backends = null;
    try {
      String store = options.store();
      if (store == null) {
        tempDir = Files.createTempDirectory("sluice-demo");
        store = "sqlite:" + tempDir.resolve("sluice-demo.db");
      }
      backends = DemoBackends.start(options.seed());
      String adminKey = secret("sk-sluice-demo-admin-");
      var keys = new DemoWorkload.DemoKeys(secret("sk-demo-support-"), secret("sk-demo-agents-"), secret("sk-demo-batch-"));
      Map<String, String> env = new LinkedHashMap<>(backends.urls());
      env.put("DEMO_LISTEN", "127.0.0.1:" + options.port());
      env.put("DEMO_ADMIN_KEY", adminKey);
      env.put("DEMO_STORE", store);
      env.put("DEMO_KEY_SUPPORT", keys.support());
      env.put("DEMO_KEY_AGENTS", keys.agents());
      env.put("DEMO_KEY_BATCH", keys.batch());
      GatewayConfig config = new ConfigLoader(env::get).parse(CONFIG, configText());
      Gateway gateway;
      try {
        gateway = Gateway.start(config);
      } catch (IllegalStateException e) {
        if (options.port() == 0) throw e;
        gateway = Gateway.start(config.withListen(new GatewayConfig.Listen("127.0.0.1", 0)));
      }
      Demo demo = new Demo(options, backends, gateway, adminKey, keys, tempDir);
      demo.setBudgets();
      return demo;
    } catch (IOException e) {
      if (backends != null) backends.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      if (backends != null) backends.close();
      throw e;
    }
  }

  /** The demo's config file, as shipped. */
  public static String configText() {
    try (InputStream in = Demo.class.getClassLoader().getResourceAsStream(CONFIG)) {
      if (in == null) throw new IllegalStateException("the demo config " + CONFIG + " is missing from the jar");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The budgets: the agents' daily budget blocks, sized to run out about two thirds of the way
   * through the workload; the help desk's monthly budget alerts at 50, 80 and 100 %.
   */
  private void setBudgets() {
    BigDecimal agentsDaily = BigDecimal.valueOf(options.duration().toMillis())
        .multiply(new BigDecimal("0.0000025")).max(new BigDecimal("0.01"));
    admin("POST", "/admin/budgets", "{\"scope\":\"tenant\",\"tenant\":\"research-agents\",\"amount_usd\":"
        + agentsDaily.toPlainString() + ",\"period\":\"day\",\"action\":\"block\",\"alert_at\":[0.5,0.8,1.0]}");
    admin("POST", "/admin/budgets", "{\"scope\":\"tenant\",\"tenant\":\"support-app\",\"amount_usd\":25,"
        + "\"period\":\"month\",\"action\":\"alert\",\"alert_at\":[0.5,0.8,1.0]}");
  }

  /** Runs the workload for the demo's duration, then waits for its calls in flight to end. */
  public void runWorkload() throws InterruptedException {
    workload().run(options.duration());
  }

  /** Requests the workload has sent so far (for a progress display; the summary reads the ledger). */
  public long requestsSent() {
    return workload().sent.get();
  }

  private synchronized DemoWorkload workload() {
    if (workload == null) workload = new DemoWorkload(baseUrl(), keys, options.seed());
    return workload;
  }

  /** The summary, read from the ledger through the admin API. */
  public DemoSummary summary() {
    List<DemoSummary.Line> lines = new ArrayList<>();
    Map<String, DemoSummary.Line> byTenant = new LinkedHashMap<>();
    for (JsonNode row : admin("GET", "/admin/usage?group_by=tenant", null).get("rows")) {
      String tenant = row.get("tenant").asText();
      byTenant.put(tenant, line(WORKLOADS.getOrDefault(tenant, "other"), tenant, row));
    }
    WORKLOADS.keySet().forEach(t -> lines.add(byTenant.getOrDefault(t, line(WORKLOADS.get(t), t, null))));
    byTenant.forEach((t, l) -> {
      if (!WORKLOADS.containsKey(t)) lines.add(l);
    });
    JsonNode totals = admin("GET", "/admin/usage", null).path("rows").path(0);
    DemoSummary.Line total = line("total", "", totals.isMissingNode() ? null : totals);

    Map<String, BigDecimal> avoided = new TreeMap<>();
    for (JsonNode row : admin("GET", "/admin/usage?group_by=mechanism", null).get("rows")) {
      JsonNode m = row.get("mechanism");
      if (m != null && !m.isNull() && row.get("avoided_usd").decimalValue().signum() > 0) {
        avoided.put(m.asText(), row.get("avoided_usd").decimalValue());
      }
    }
    Map<String, Long> errors = new TreeMap<>();
    for (JsonNode row : admin("GET", "/admin/usage?group_by=error_code", null).get("rows")) {
      JsonNode code = row.get("error_code");
      if (code != null && !code.isNull()) errors.put(code.asText(), row.get("requests").asLong());
    }
    List<DemoSummary.Budget> budgets = new ArrayList<>();
    for (JsonNode b : admin("GET", "/admin/budgets/status", null).get("data")) {
      budgets.add(new DemoSummary.Budget(b.get("tenant").asText(), b.get("period").asText(), b.get("action").asText(),
          b.get("amount_usd").decimalValue(), b.get("spent_usd").decimalValue()));
    }
    return new DemoSummary(lines, total, avoided, errors, budgets);
  }

  private static DemoSummary.Line line(String workload, String tenant, JsonNode row) {
    if (row == null) return new DemoSummary.Line(workload, tenant, 0, 0, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO);
    long tokens = row.get("input_tokens").asLong() + row.get("cached_input_tokens").asLong()
        + row.get("cache_write_tokens").asLong() + row.get("output_tokens").asLong();
    return new DemoSummary.Line(workload, tenant, row.get("requests").asLong(), tokens, row.get("cost_usd").decimalValue(),
        row.get("charge_usd").decimalValue(), row.get("avoided_usd").decimalValue());
  }

  /** Where clients call the gateway: {@code http://127.0.0.1:PORT/v1}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + gateway.port() + "/v1";
  }

  /** The dashboard's address. */
  public String dashboardUrl() {
    return "http://127.0.0.1:" + gateway.port() + "/ui/";
  }

  /** The admin key the demo generated (for the dashboard's sign-in and the admin API). */
  public String adminKey() {
    return adminKey;
  }

  public Gateway gateway() {
    return gateway;
  }

  private JsonNode admin(String method, String path, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
        .timeout(Duration.ofSeconds(30)).header("authorization", "Bearer " + adminKey);
    if (body != null) b.header("content-type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
    else b.method(method, HttpRequest.BodyPublishers.noBody());
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() >= 300) throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
      return READER.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String secret(String prefix) {
    byte[] bytes = new byte[16];
    new SecureRandom().nextBytes(bytes);
    return prefix + HexFormat.of().formatHex(bytes);
  }

  private static Map<String, String> orderedMap(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return java.util.Collections.unmodifiableMap(m);
  }

  /** Stops everything and removes the temporary store; later calls do nothing. */
  @Override
  public void close() {
    if (closed.getAndSet(true)) return;
    gateway.close();
    backends.close();
    if (tempDir != null) {
      try (var files = Files.walk(tempDir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // a temporary folder; the system cleans it eventually
      }
    }
  }
}
