package dev.sluice.provider.local;

import static dev.sluice.provider.local.LocalEmbedderTest.cosine;
import static dev.sluice.provider.local.LocalEmbedderTest.norm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.sluice.api.Json;
import dev.sluice.config.ConfigException;
import dev.sluice.testing.TestGateway;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code POST /v1/embeddings} served by the in-process model, seen from a client. */
class LocalEmbeddingsTest {
  static final String MODEL = "all-minilm-l6-v2";
  static TestGateway sluice;

  @BeforeAll
  static void start() {
    sluice = TestGateway.start("""
        models:
          - name: all-minilm-l6-v2
            deployments:
              - provider: local
        """, Map.of());
  }

  @AfterAll
  static void stop() {
    sluice.close();
  }

  @Test
  void aStringGetsOneUnitLengthVectorOf384DimensionsInOpenAiFormat() {
    TestGateway.Response r = embeddings(body("The cat sits on the mat."));

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("x-sluice-route")).isEqualTo("all-minilm-l6-v2/local-1");
    ObjectNode json = r.json();
    assertThat(json.get("object").asText()).isEqualTo("list");
    assertThat(json.get("model").asText()).isEqualTo(MODEL);
    assertThat(json.get("data")).hasSize(1);
    JsonNode item = json.get("data").get(0);
    assertThat(item.get("object").asText()).isEqualTo("embedding");
    assertThat(item.get("index").asInt()).isZero();
    float[] v = floats(item.get("embedding"));
    assertThat(v).hasSize(384);
    assertThat(norm(v)).isCloseTo(1.0, within(1e-4));
    assertThat(json.at("/usage/prompt_tokens").asInt()).isEqualTo(7);
    assertThat(json.at("/usage/total_tokens").asInt()).isEqualTo(7);
  }

  @Test
  void anArrayGetsOneVectorPerTextInOrderAndSimilarTextsAreCloser() {
    ObjectNode body = body(null);
    body.putArray("input").add("How do I reset my password?").add("I forgot my password, how can I change it?")
        .add("The weather in Lisbon is sunny today.");

    TestGateway.Response r = embeddings(body);

    assertThat(r.status()).isEqualTo(200);
    List<float[]> v = vectors(r.json());
    assertThat(v).hasSize(3);
    for (int i = 0; i < 3; i++) assertThat(r.json().at("/data/" + i + "/index").asInt()).isEqualTo(i);
    assertThat(cosine(v.get(0), v.get(1))).isGreaterThan(cosine(v.get(0), v.get(2)) + 0.3);
    assertThat(r.json().at("/usage/prompt_tokens").asInt())
        .isEqualTo(tokens("How do I reset my password?") + tokens("I forgot my password, how can I change it?")
            + tokens("The weather in Lisbon is sunny today."));
  }

  @Test
  void base64EncodingCarriesExactlyTheFloatsOfTheFloatEncoding() {
    ObjectNode asFloats = body("Base64 is what the OpenAI SDKs ask for by default.").put("encoding_format", "float");
    ObjectNode asBase64 = asFloats.deepCopy().put("encoding_format", "base64");

    float[] floats = vectors(embeddings(asFloats).json()).getFirst();
    TestGateway.Response r = embeddings(asBase64);

    assertThat(r.status()).isEqualTo(200);
    String encoded = r.json().at("/data/0/embedding").asText();
    ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(encoded)).order(ByteOrder.LITTLE_ENDIAN);
    float[] decoded = new float[bytes.remaining() / 4];
    bytes.asFloatBuffer().get(decoded);
    assertThat(decoded).containsExactly(floats);
  }

  @Test
  void theOpenAiJavaClientGetsTheSameVectors() {
    String text = "A real client, pointed at Sluice.";
    float[] expected = vectors(embeddings(body(text)).json()).getFirst();
    OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(sluice.baseUrl()).apiKey("unused").build();
    try {
      CreateEmbeddingResponse response = client.embeddings().create(
          EmbeddingCreateParams.builder().model(MODEL).input(text).build());

      List<Float> got = response.data().getFirst().embedding();
      assertThat(got).hasSize(384);
      for (int i = 0; i < 384; i++) assertThat(got.get(i)).isEqualTo(expected[i]);
      assertThat(response.usage().promptTokens()).isEqualTo(tokens(text));
    } finally {
      client.close();
    }
  }

  @Test
  void tokenIdArraysAreRefusedWith400NamingInput() {
    for (String input : List.of("[1, 2, 3]", "[[1, 2], [3]]")) {
      TestGateway.Response r = sluice.post("/v1/embeddings", "{\"model\":\"" + MODEL + "\",\"input\":" + input + "}");

      assertThat(r.status()).as(input).isEqualTo(400);
      assertThat(r.error().get("type").asText()).isEqualTo("invalid_request_error");
      assertThat(r.error().get("param").asText()).isEqualTo("input");
      assertThat(r.error().get("message").asText()).contains("text only").contains("Token-id arrays");
    }
  }

  @Test
  void dimensionsOtherThan384AreRefusedWith400AndExplained() {
    TestGateway.Response r = embeddings(body("shorter please").put("dimensions", 256));

    assertThat(r.status()).isEqualTo(400);
    assertThat(r.error().get("param").asText()).isEqualTo("dimensions");
    assertThat(r.error().get("message").asText()).contains("384-dimensional").contains("cannot shorten");
    assertThat(embeddings(body("exactly right").put("dimensions", 384)).status()).isEqualTo(200);
  }

  @Test
  void emptyTextsAreRefusedWith400NamingTheInput() {
    TestGateway.Response single = embeddings(body(""));
    ObjectNode array = body(null);
    array.putArray("input").add("fine").add("   ");
    TestGateway.Response inArray = embeddings(array);

    assertThat(single.status()).isEqualTo(400);
    assertThat(single.error().get("param").asText()).isEqualTo("input");
    assertThat(single.error().get("message").asText()).contains("empty");
    assertThat(inArray.status()).isEqualTo(400);
    assertThat(inArray.error().get("message").asText()).contains("input[1]");
  }

  @Test
  void concurrentRequestsAreBatchedTogetherAndEachGetsItsOwnVectors() throws Exception {
    int requests = 16;
    List<List<String>> inputs = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      inputs.add(List.of("Request " + i + " asks about invoices.", "Request " + i + " mentions the weather in city " + i + ".",
          "A third sentence for caller " + i + ".", "Caller " + i + " likes number " + (i * 7) + "."));
    }
    List<List<float[]>> expected = new ArrayList<>();
    for (List<String> texts : inputs) {
      List<float[]> one = new ArrayList<>();
      for (String t : texts) one.add(vectors(embeddings(body(t)).json()).getFirst());
      expected.add(one);
    }
    Embedder.Stats before = sluice.gateway().embedder().stats();

    ExecutorService clients = Executors.newFixedThreadPool(requests);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<TestGateway.Response>> answers = new ArrayList<>();
      for (List<String> texts : inputs) {
        ObjectNode b = body(null);
        ArrayNode input = b.putArray("input");
        texts.forEach(input::add);
        answers.add(clients.submit(() -> {
          go.await();
          return embeddings(b);
        }));
      }
      go.countDown();

      for (int i = 0; i < requests; i++) {
        TestGateway.Response r = answers.get(i).get(60, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        List<float[]> got = vectors(r.json());
        assertThat(got).hasSize(4);
        for (int j = 0; j < 4; j++) assertThat(got.get(j)).as("request %d text %d", i, j)
            .containsExactly(expected.get(i).get(j), within(1e-6f));
      }
    } finally {
      clients.shutdownNow();
    }
    Embedder.Stats after = sluice.gateway().embedder().stats();
    assertThat(after.requests() - before.requests()).isEqualTo(requests);
    assertThat(after.inputs() - before.inputs()).isEqualTo(4L * requests);
    assertThat(after.batches() - before.batches()).isLessThan(requests);
  }

  @Test
  void aLocalDeploymentNamingAnotherModelIsAConfigError() {
    assertThatThrownBy(() -> TestGateway.config("""
        models:
          - name: embed
            deployments:
              - provider: local
                model: all-mpnet-base-v2
        """, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("provider local serves only all-minilm-l6-v2");
  }

  private static TestGateway.Response embeddings(ObjectNode body) {
    return sluice.post("/v1/embeddings", body.toString());
  }

  private static ObjectNode body(String input) {
    ObjectNode o = Json.MAPPER.createObjectNode().put("model", MODEL);
    if (input != null) o.put("input", input);
    return o;
  }

  private static int tokens(String text) {
    return embeddings(body(text)).json().at("/usage/prompt_tokens").asInt();
  }

  private static List<float[]> vectors(ObjectNode json) {
    List<float[]> out = new ArrayList<>();
    for (JsonNode item : json.get("data")) out.add(floats(item.get("embedding")));
    return out;
  }

  private static float[] floats(JsonNode array) {
    float[] v = new float[array.size()];
    for (int i = 0; i < v.length; i++) v[i] = array.get(i).floatValue();
    return v;
  }
}
