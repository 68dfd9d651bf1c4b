package dev.sluice.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.GatewayProcess;
import dev.sluice.testing.TestGateway;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tenants and keys declared in the config file, the way a team that keeps its configuration in
 * git runs Sluice: {@code sluice serve} in a process of its own, with the keys' secrets only in its
 * environment ({@code key: ${ACME_KEY}}), checked through HTTP, the store file and the log.
 */
class DeclaredTenantsTest {
  static final String ADMIN = "sk-admin-declared-tenants-test";
  static final String ACME_KEY = secret("acme");
  static final String BETA_KEY = secret("beta");
  static final String GAMMA_KEY = secret("gamma");
  static final String SPENDER_KEY = secret("spender");
  static final String CONFIG = """
      listen: 127.0.0.1:0
      admin_key: %s
      store: sqlite:%s
      tenants:
        - name: acme
          keys:
            - {name: ci, key: "${ACME_KEY}", models: [m]}
        - name: beta
          keys:
            - {name: prod, key: "${BETA_KEY}"}
        - name: spender
          plan: {type: markup, percent: 100}
          keys:
            - {name: app, key: "${SPENDER_KEY}"}
      %s
      models:
        - name: m
          price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
          deployments:
            - {provider: openai, base_url: "%s", model: ok}
        - name: other
          price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
          deployments:
            - {provider: openai, base_url: "%s", model: ok}
      """;
  static final String GAMMA = "  - name: gamma\n    keys:\n      - {name: temp, key: \"${GAMMA_KEY}\"}";

  @TempDir
  static Path dir;
  static FakeUpstream upstream;
  static GatewayProcess sluice;
  static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    upstream = FakeUpstream.start();
    writeConfig(true);
    sluice = GatewayProcess.start(dir.resolve("sluice.yaml"), dir, dir.resolve("sluice.log"), Duration.ofSeconds(30),
        Map.of("ACME_KEY", ACME_KEY, "BETA_KEY", BETA_KEY, "GAMMA_KEY", GAMMA_KEY, "SPENDER_KEY", SPENDER_KEY));
  }

  @AfterAll
  static void stop() throws Exception {
    if (sluice != null) sluice.close();
    upstream.close();
  }

  private static void writeConfig(boolean withGamma) throws IOException {
    Files.writeString(dir.resolve("sluice.yaml"), CONFIG.formatted(ADMIN, dir.resolve("sluice.db"),
        withGamma ? GAMMA : "", upstream.baseUrl(), upstream.baseUrl()));
  }

  private static String secret(String tenant) {
    byte[] random = new byte[12];
    ThreadLocalRandom.current().nextBytes(random);
    return "sk-" + tenant + "-declared-" + HexFormat.of().formatHex(random);
  }

  @Test
  void aDeclaredKeyCallsAsItsTenantAndItsUsageLandsThere() throws Exception {
    assertThat(chat(ACME_KEY, "m", "x-sluice-feature", "declared").statusCode()).isEqualTo(200);
    assertThat(chat(ACME_KEY, "m", "x-sluice-feature", "declared").statusCode()).isEqualTo(200);

    JsonNode mine = json(get("/me/usage?group_by=tenant,key,feature", ACME_KEY)).get("rows");
    assertThat(mine).allSatisfy(r -> {
      assertThat(r.get("tenant").asText()).isEqualTo("acme");
      assertThat(r.get("key").asText()).isEqualTo("cfg_acme_ci");
    });
    assertThat(row(mine, "feature", "declared").get("requests").asLong()).isEqualTo(2);
    JsonNode all = json(get("/admin/usage?group_by=tenant,key,feature", ADMIN)).get("rows");
    JsonNode declared = row(all, "feature", "declared");
    assertThat(declared.get("tenant").asText()).isEqualTo("acme");
    assertThat(declared.get("key").asText()).isEqualTo("cfg_acme_ci");
    assertThat(declared.get("requests").asLong()).isEqualTo(2);
    assertThat(declared.get("cost_usd").decimalValue()).isEqualByComparingTo("0.000044");
    assertThat(get("/admin/usage", ACME_KEY).statusCode()).as("a declared key is a tenant key").isEqualTo(403);
  }

  @Test
  void aDeclaredKeyMayCallOnlyItsDeclaredModels() throws Exception {
    HttpResponse<String> other = chat(ACME_KEY, "other");

    assertThat(other.statusCode()).isEqualTo(403);
    assertThat(json(other).at("/error/code").asText()).isEqualTo("model_not_allowed");
    assertThat(chat(ACME_KEY, "m").statusCode()).isEqualTo(200);
    assertThat(chat(BETA_KEY, "other").statusCode()).as("a key without models may call any").isEqualTo(200);
  }

  @Test
  void aDeclaredTenantIsInTheStoreWithItsPlanAndTakesABudget() throws Exception {
    JsonNode tenants = json(get("/admin/tenants", ADMIN));
    assertThat(tenants.get("data")).anySatisfy(t -> {
      assertThat(t.get("name").asText()).isEqualTo("spender");
      assertThat(t.at("/plan/type").asText()).isEqualTo("markup");
    });

    // spender pays double: a call costs 22 µ$ and is charged 44 µ$; the budget affords two.
    HttpResponse<String> budget = post("/admin/budgets",
        "{\"scope\":\"tenant\",\"tenant\":\"spender\",\"amount_usd\":0.0001,\"period\":\"day\"}", ADMIN);
    assertThat(budget.statusCode()).as(budget.body()).isEqualTo(200);
    int ok = 0;
    HttpResponse<String> refused = null;
    for (int i = 0; i < 5 && refused == null; i++) {
      HttpResponse<String> r = chat(SPENDER_KEY, "m");
      if (r.statusCode() == 200) ok++; else refused = r;
    }

    assertThat(ok).isBetween(1, 2);
    assertThat(refused).isNotNull();
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(json(refused).at("/error/code").asText()).isEqualTo("budget_exceeded");
    JsonNode spent = json(get("/admin/usage?tenant=spender", ADMIN));
    assertThat(spent.at("/rows/0/charge_usd").decimalValue()).isLessThanOrEqualTo(new java.math.BigDecimal("0.0001"));
  }

  @Test
  void aKeyTakenOutOfTheConfigStopsWorkingAtTheReload() throws Exception {
    assertThat(chat(GAMMA_KEY, "m").statusCode()).isEqualTo(200);

    writeConfig(false);

    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    int status = 200;
    while (status == 200 && System.nanoTime() < deadline) {
      Thread.sleep(200);
      status = chat(GAMMA_KEY, "m").statusCode();
    }
    assertThat(status).isEqualTo(401);
    assertThat(chat(ACME_KEY, "m").statusCode()).as("the other keys still work").isEqualTo(200);
  }

  @Test
  void noSecretOfADeclaredKeyIsInAnAdminAnswerTheStoreOrTheLog() throws Exception {
    chat(ACME_KEY, "m");
    chat(ACME_KEY, "other"); // refused: recorded too
    chat(BETA_KEY, "m");
    String month = YearMonth.now(ZoneOffset.UTC).toString();
    List<String> paths = List.of("/admin/config", "/admin/tenants", "/admin/keys?tenant=acme", "/admin/keys?tenant=beta",
        "/admin/budgets", "/admin/rate-limits", "/admin/deployments",
        "/admin/usage?group_by=tenant,key,feature,user,run,model,status",
        "/admin/invoices?tenant=acme&period=" + month, "/admin/invoices?tenant=beta&period=" + month);
    for (String path : paths) {
      HttpResponse<String> r = get(path, ADMIN);
      assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
      assertNoSecret(path, r.body());
    }
    assertNoSecret("/me/usage", get("/me/usage?group_by=key", ACME_KEY).body());

    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertNoSecret(f.toString(), new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
      }
    }
    assertThat(Files.readString(dir.resolve("sluice.yaml"))).contains("${ACME_KEY}");
  }

  private static void assertNoSecret(String where, String text) {
    for (String secret : List.of(ACME_KEY, BETA_KEY, GAMMA_KEY, SPENDER_KEY)) {
      // the secret, or its random part: enough to rebuild it
      assertThat(text).as(where).doesNotContain(secret).doesNotContain(secret.substring(secret.length() - 16));
    }
  }

  // ---------------------------------------------------------------- HTTP

  private static HttpResponse<String> chat(String key, String model, String... headers) throws Exception {
    ObjectNode body = (ObjectNode) Json.MAPPER.readTree(TestGateway.chatBody(model, "hello", false));
    body.put("max_tokens", 5);
    return send(HttpRequest.newBuilder(URI.create(sluice.url("/v1/chat/completions")))
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())), key, headers);
  }

  private static HttpResponse<String> get(String path, String key) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(sluice.url(path))).GET(), key);
  }

  private static HttpResponse<String> post(String path, String body, String key) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(sluice.url(path))).POST(HttpRequest.BodyPublishers.ofString(body)), key);
  }

  private static HttpResponse<String> send(HttpRequest.Builder b, String key, String... headers) throws Exception {
    b.header("authorization", "Bearer " + key).header("content-type", "application/json").timeout(Duration.ofSeconds(10));
    for (int i = 0; i + 1 < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode row(JsonNode rows, String field, String value) {
    for (JsonNode r : rows) if (value.equals(r.path(field).asText())) return r;
    throw new AssertionError("no row with " + field + "=" + value + " in " + rows);
  }

  private static JsonNode json(HttpResponse<String> r) throws IOException {
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 499);
    return Json.MAPPER.readTree(r.body());
  }
}
