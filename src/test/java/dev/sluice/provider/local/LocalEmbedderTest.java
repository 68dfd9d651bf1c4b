package dev.sluice.provider.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The real all-MiniLM-L6-v2 embedder, called directly: one instance for the class (the model loads once). */
class LocalEmbedderTest {
  static Embedder embedder;

  @BeforeAll
  static void start() {
    embedder = MiniLm.start();
  }

  @AfterAll
  static void stop() {
    embedder.close();
  }

  @Test
  void vectorsHave384DimensionsAndUnitLength() throws Exception {
    Embedder.Embeddings e = await(embedder.embed(List.of("The cat sits on the mat.", "Ein Hund spielt im Park.")));

    assertThat(embedder.model()).isEqualTo("all-minilm-l6-v2");
    assertThat(e.vectors()).hasSize(2);
    for (float[] v : e.vectors()) {
      assertThat(v).hasSize(384);
      assertThat(norm(v)).isCloseTo(1.0, within(1e-4));
    }
    assertThat(cosine(e.vectors().get(0), e.vectors().get(1))).isLessThan(0.99);
  }

  @Test
  void similarSentencesAreCloserThanUnrelatedOnes() throws Exception {
    List<float[]> v = await(embedder.embed(List.of(
        "How do I reset my password?",
        "I forgot my password, how can I change it?",
        "The weather in Lisbon is sunny today."))).vectors();

    double similar = cosine(v.get(0), v.get(1));
    double unrelated = cosine(v.get(0), v.get(2));
    assertThat(similar).isGreaterThan(0.6);
    assertThat(unrelated).isLessThan(0.3);
  }

  @Test
  void tokensAreCountedByTheModelsOwnTokenizer() throws Exception {
    // the, cat, sits, on, the, mat, "." : seven word pieces ([CLS] and [SEP] are not counted)
    assertThat(await(embedder.embed(List.of("The cat sits on the mat."))).tokens()).isEqualTo(7);
    assertThat(await(embedder.embed(List.of("The cat sits on the mat.", "Hello world"))).tokens()).isEqualTo(7 + 2);
  }

  @Test
  void aTextsVectorDoesNotDependOnTheOtherTextsOfItsBatch() throws Exception {
    String text = "Quarterly revenue grew by twelve percent.";
    float[] alone = await(embedder.embed(List.of(text))).vectors().getFirst();
    List<String> crowd = new ArrayList<>();
    for (int i = 0; i < 31; i++) crowd.add("Another sentence, number " + i + ", with its own words.");
    crowd.add(7, text);

    float[] inCrowd = await(embedder.embed(crowd)).vectors().get(7);

    assertThat(inCrowd).containsExactly(alone, within(1e-6f));
  }

  @Test
  void textsAreCutAt128TokensAndTheRestIsIgnored() throws Exception {
    String head = "alpha beta gamma ".repeat(50); // 150 word pieces, more than the model reads
    String headThenOther = head + "bananas are yellow and monkeys like them ".repeat(30);

    Embedder.Embeddings e = await(embedder.embed(List.of(head, headThenOther)));

    assertThat(e.tokens()).isEqualTo(2 * (MiniLm.MAX_TOKENS - 2));
    assertThat(cosine(e.vectors().get(0), e.vectors().get(1))).isCloseTo(1.0, within(1e-5));
  }

  @Test
  void anEmptyTextIsRefused() throws Exception {
    try {
      await(embedder.embed(List.of("fine", "")));
      throw new AssertionError("expected a refusal");
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(Embedder.EmptyTextException.class);
    }
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static double norm(float[] v) {
    double s = 0;
    for (float x : v) s += x * x;
    return Math.sqrt(s);
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    for (int i = 0; i < a.length; i++) dot += a[i] * b[i];
    return dot / (norm(a) * norm(b));
  }
}
