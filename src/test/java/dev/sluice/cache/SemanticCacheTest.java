package dev.sluice.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.cache.semantic.EmbeddingMatcher;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import dev.sluice.testing.TestGateway.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The semantic side of the response cache, black box: a gateway in front of a {@link FakeUpstream},
 * with the real MiniLM model. Each test asks its own questions under a feature of its own.
 */
class SemanticCacheTest {
  static final String ADMIN = "sk-admin-semantic-test-00";
  static final String ACME = "sk-acme-semantic-0000000000";
  static final String BETA = "sk-beta-semantic-0000000000";
  static final String PRICE = "price: {input_per_mtok: 1.00, output_per_mtok: 2.00}";
  static final String CONFIG = """
      admin_key: %s
      tenants:
        - name: acme
          keys: [{name: one, key: "%s"}]
        - name: beta
          keys: [{name: one, key: "%s"}]
      models:
        - name: m
          %s
          cache: {exact: auto, semantic: {threshold: default}}
          deployments: [{provider: openai, base_url: "${UPSTREAM}", model: ok}]
        - name: exact-only
          %s
          cache: {exact: auto}
          deployments: [{provider: openai, base_url: "${UPSTREAM}", model: ok}]
      """.formatted(ADMIN, ACME, BETA, PRICE, PRICE);

  static FakeUpstream upstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    upstream = FakeUpstream.start();
    gateway = TestGateway.start(CONFIG, upstream);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
  }

  static String body(String model, String system, String question) {
    ObjectNode o = (ObjectNode) TestGateway.parse(TestGateway.chatBody(model, question, false));
    o.put("temperature", 0);
    if (system != null) {
      ArrayNode messages = (ArrayNode) o.get("messages");
      messages.insertObject(0).put("role", "system").put("content", system);
    }
    return o.toString();
  }

  /** Asks, then waits until a missed answer is stored for the semantic side too (it is embedded off the request path). */
  static Response ask(String key, String model, String system, String question, String feature) throws Exception {
    EmbeddingMatcher<?> matcher = (EmbeddingMatcher<?>) gateway.gateway().responseCache().semantic().orElseThrow();
    long before = matcher.size();
    Response r = gateway.post("/v1/chat/completions", body(model, system, question), "authorization", "Bearer " + key,
        "X-Sluice-Feature", feature);
    if ("miss".equals(r.header("X-Sluice-Cache")) && !model.equals("exact-only")) {
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (matcher.size() == before && System.nanoTime() < deadline) Thread.sleep(20);
    }
    return r;
  }

  static long upstreamCalls(String question) {
    return upstream.requests().stream().filter(r -> r.body().path("messages").toString().contains(question)).count();
  }

  @Test
  void aParaphraseIsAnsweredFromTheSemanticCacheAndItsAvoidedCostIsRecorded() throws Exception {
    Response first = ask(ACME, "m", null, "How do I reset my password?", "paraphrase");
    Response second = ask(ACME, "m", null, "How can I reset my password?", "paraphrase");

    assertThat(first.header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(second.status()).isEqualTo(200);
    assertThat(second.header("X-Sluice-Cache")).isEqualTo("semantic");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(upstreamCalls("How can I reset my password?")).isZero();

    JsonNode savings = gateway.get("/admin/savings?tenant=acme&group_by=feature,mechanism", "authorization",
        "Bearer " + ADMIN).json();
    JsonNode semantic = null;
    long spent = 0;
    for (JsonNode row : savings.path("rows")) {
      if (!row.path("feature").asText().equals("paraphrase")) continue;
      spent += row.path("spend_usd").decimalValue().movePointRight(9).longValueExact();
      if (row.path("mechanism").asText().equals("semantic")) semantic = row;
    }
    assertThat(semantic).as(savings.toString()).isNotNull();
    assertThat(semantic.path("requests").asLong()).isEqualTo(1);
    assertThat(spent).isPositive();
    assertThat(semantic.path("avoided_usd").decimalValue().movePointRight(9).longValueExact()).isEqualTo(spent);
  }

  @Test
  void aTrapIsNotAnsweredFromTheSemanticCache() throws Exception {
    assertThat(ask(ACME, "m", null, "Is ibuprofen safe during pregnancy?", "trap").header("X-Sluice-Cache")).isEqualTo("miss");
    Response trap = ask(ACME, "m", null, "Is ibuprofen not safe during pregnancy?", "trap");

    assertThat(trap.header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(upstreamCalls("Is ibuprofen not safe during pregnancy?")).isEqualTo(1);
  }

  @Test
  void anotherSystemPromptAnotherTenantOrAModelWithoutSemanticCachingNeverHits() throws Exception {
    ask(ACME, "m", "You are a support agent.", "How do I cancel my subscription?", "context");

    assertThat(ask(ACME, "m", "You are a sales agent.", "How can I cancel my subscription?", "context")
        .header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(ask(BETA, "m", "You are a support agent.", "How can I cancel my subscription?", "context")
        .header("X-Sluice-Cache")).isEqualTo("miss");
    ask(ACME, "exact-only", "You are a support agent.", "How do I cancel my subscription?", "context");
    assertThat(ask(ACME, "exact-only", "You are a support agent.", "How can I cancel my subscription?", "context")
        .header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(ask(ACME, "m", "You are a support agent.", "How can I cancel my subscription?", "context")
        .header("X-Sluice-Cache")).isEqualTo("semantic");
  }
}
