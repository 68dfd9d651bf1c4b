package dev.sluice.cascade;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cascade model over two fake backends, through the HTTP API: the router sends easy prompts to
 * the cheap model and hard ones to the strong model; the confidence policy keeps a confident cheap
 * answer and replaces an unsure one; usage records carry the cost and what the cascade avoided.
 */
class CascadeTest {
  static final String ADMIN = "sk-admin-cascade-test";
  static final String KEY = "sk-cascade-test-tenant-key";
  static final String[] AS_TENANT = {"authorization", "Bearer " + KEY};
  /** Prompts that both models answer correctly: the cheap one suffices. */
  static final List<String> EASY = List.of(
      "What is the capital of France?", "What is the capital of Italy?", "What is the capital of Spain?",
      "What is the capital of Germany?", "What is the capital of Japan?", "What is the capital of Canada?",
      "What is the capital of Norway?", "What is the capital of Egypt?");
  /** Prompts that only the strong model answers correctly. */
  static final List<String> HARD = List.of(
      "Prove that the renormalization group flow of a quantum field theory has a fixed point under these conditions.",
      "Derive the asymptotic expansion of the partition function of a quantum field theory at strong coupling.",
      "Show that this quantum field theory's beta function vanishes at two loops in dimensional regularization.",
      "Compute the anomalous dimension of the composite operator in a quantum field theory to second order.",
      "Prove the Ward identity for this non-abelian gauge quantum field theory with ghost fields.",
      "Derive the effective potential of a scalar quantum field theory at one loop with a cutoff.",
      "Show that the S-matrix of this quantum field theory is unitary to all orders in perturbation theory.",
      "Prove that the spontaneous symmetry breaking in this quantum field theory produces Goldstone bosons.");

  static FakeUpstream upstream;
  static TestGateway sluice;
  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    upstream = FakeUpstream.start();
    Path router = trainRouter(labelledData(dir.resolve("labelled.csv")), dir.resolve("router.json"));
    sluice = TestGateway.start("""
        admin_key: %s
        tenants:
          - name: acme
            keys: [{name: app, key: %s}]
        models:
          - name: chat-small
            price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
            deployments:
              - {id: small, provider: openai, base_url: "${UPSTREAM}", model: ok}
          - name: chat-large
            price: {input_per_mtok: 10.00, output_per_mtok: 30.00}
            deployments:
              - {id: large, provider: openai, base_url: "${UPSTREAM}", model: ok}
          - name: small-sure
            price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
            deployments:
              - {id: sure, provider: openai, base_url: "${UPSTREAM}", model: logprobs-50}
          - name: small-unsure
            price: {input_per_mtok: 1.00, output_per_mtok: 2.00}
            deployments:
              - {id: unsure, provider: openai, base_url: "${UPSTREAM}", model: logprobs-2000}
          - name: routed
            cascade:
              cheap: chat-small
              strong: chat-large
              router: %s
              threshold: 0.5
          - name: confident
            cascade:
              cheap: small-sure
              strong: chat-large
              confidence: {min_logprob: -0.5}
          - name: doubtful
            cascade:
              cheap: small-unsure
              strong: chat-large
              confidence: {min_logprob: -0.5}
        """.formatted(ADMIN, KEY, router), upstream);
  }

  @AfterAll
  static void stop() {
    if (sluice != null) sluice.close();
    upstream.close();
  }

  @Test
  void anEasyPromptIsAnsweredByTheCheapModelAndAHardOneByTheStrongModel() {
    TestGateway.Response easy = sluice.chat("routed", "What is the capital of Portugal?", asTenant("router"));
    assertThat(easy.status()).as(easy.body()).isEqualTo(200);
    assertThat(easy.header("x-sluice-route")).isEqualTo("chat-small/small");
    assertThat(Double.parseDouble(easy.header("x-sluice-route-score"))).isLessThan(0.5);

    TestGateway.Response hard = sluice.chat("routed",
        "Prove that this quantum field theory's renormalization group flow has an infrared fixed point.",
        asTenant("router"));
    assertThat(hard.status()).as(hard.body()).isEqualTo(200);
    assertThat(hard.header("x-sluice-route")).isEqualTo("chat-large/large");
    assertThat(Double.parseDouble(hard.header("x-sluice-route-score"))).isGreaterThanOrEqualTo(0.5);

    // The fake answers 12 prompt and 5 completion tokens. Cheap: 12 x $1 + 5 x $2 per Mtok = $0.000022;
    // strong: 12 x $10 + 5 x $30 = $0.000270. The cheap answer avoided $0.000248; the strong one nothing.
    JsonNode usage = usageOf("router");
    assertThat(usage.get("requests").asLong()).isEqualTo(2);
    assertThat(usage.get("cost_usd").decimalValue()).isEqualByComparingTo("0.000292");
    assertThat(usage.get("avoided_usd").decimalValue()).isEqualByComparingTo("0.000248");
  }

  @Test
  void aStreamFlowsThroughARouterCascadeFromTheChosenModel() {
    TestGateway.Response r = sluice.post("/v1/chat/completions",
        TestGateway.chatBody("routed", "What is the capital of Sweden?", true), AS_TENANT);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    assertThat(r.header("x-sluice-route")).isEqualTo("chat-small/small");
    assertThat(r.header("x-sluice-route-score")).isNotNull();
    assertThat(TestGateway.streamedContent(r.events())).isEqualTo("echo: What is the capital of Sweden?");
  }

  @Test
  void aConfidentCheapAnswerIsKeptAndAnUnsureOneIsReplacedByTheStrongModel() {
    TestGateway.Response kept = sluice.chat("confident", "Name a colour.", asTenant("confidence"));
    assertThat(kept.status()).as(kept.body()).isEqualTo(200);
    assertThat(kept.header("x-sluice-route")).isEqualTo("small-sure/sure");
    assertThat(Double.parseDouble(kept.header("x-sluice-route-score"))).isEqualTo(-0.05);
    assertThat(kept.json().at("/choices/0/message/content").asText()).isEqualTo("echo: Name a colour.");
    assertThat(kept.json().at("/choices/0/logprobs").isNull()).as("logprobs the client did not ask for").isTrue();

    TestGateway.Response replaced = sluice.chat("doubtful", "Name a colour.", asTenant("confidence"));
    assertThat(replaced.status()).as(replaced.body()).isEqualTo(200);
    assertThat(replaced.header("x-sluice-route")).isEqualTo("chat-large/large");
    assertThat(Double.parseDouble(replaced.header("x-sluice-route-score"))).isEqualTo(-2.0);

    // Kept: $0.000022, avoiding $0.000248. Replaced: both answers were paid for, $0.000022 + $0.000270.
    JsonNode usage = usageOf("confidence");
    assertThat(usage.get("requests").asLong()).isEqualTo(2);
    assertThat(usage.get("cost_usd").decimalValue()).isEqualByComparingTo("0.000314");
    assertThat(usage.get("avoided_usd").decimalValue()).isEqualByComparingTo("0.000248");
  }

  @Test
  void aStreamUnderTheConfidencePolicyIsTheKeptAnswerReplayedOrTheStrongModelsStream() {
    TestGateway.Response kept = sluice.post("/v1/chat/completions",
        TestGateway.chatBody("confident", "Name a fruit.", true), AS_TENANT);
    assertThat(kept.status()).as(kept.body()).isEqualTo(200);
    assertThat(kept.header("x-sluice-route")).isEqualTo("small-sure/sure");
    assertThat(TestGateway.streamedContent(kept.events())).isEqualTo("echo: Name a fruit.");

    TestGateway.Response replaced = sluice.post("/v1/chat/completions",
        TestGateway.chatBody("doubtful", "Name a fruit.", true), AS_TENANT);
    assertThat(replaced.status()).as(replaced.body()).isEqualTo(200);
    assertThat(replaced.header("x-sluice-route")).isEqualTo("chat-large/large");
    assertThat(TestGateway.streamedContent(replaced.events())).isEqualTo("echo: Name a fruit.");
  }

  /** Writes EASY and HARD as RouteLLM-format data: both models right on the easy ones, only the strong one on the hard. */
  static Path labelledData(Path file) throws java.io.IOException {
    StringBuilder csv = new StringBuilder("prompt," + RoutingData.CHEAP_COLUMN + "," + RoutingData.STRONG_COLUMN + "\n");
    for (String p : EASY) csv.append('"').append(p).append("\",True,True\n");
    for (String p : HARD) csv.append('"').append(p).append("\",False,True\n");
    return Files.writeString(file, csv);
  }

  /** Trains a router on the data and writes it. */
  static Path trainRouter(Path data, Path file) {
    RouterTraining.trainFromFile(data, 1, null, new PrintWriter(new StringWriter())).write(file);
    return file;
  }

  /** The tenant's key, and the feature the request is attributed to (usage is read back by feature). */
  private static String[] asTenant(String feature) {
    return new String[] {AS_TENANT[0], AS_TENANT[1], "x-sluice-feature", feature};
  }

  private static JsonNode usageOf(String feature) {
    TestGateway.Response r = sluice.get("/admin/usage?group_by=feature", "authorization", "Bearer " + ADMIN);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    List<JsonNode> rows = new ArrayList<>();
    for (JsonNode row : r.json().get("rows")) {
      if (feature.equals(row.path("feature").asText())) rows.add(row);
    }
    assertThat(rows).as(r.body()).hasSize(1);
    return rows.getFirst();
  }
}
