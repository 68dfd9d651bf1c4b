package dev.sluice.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cache.SemanticMatcher.Context;
import dev.sluice.cache.SemanticMatcher.Match;
import dev.sluice.provider.local.Embedder;
import dev.sluice.provider.local.MiniLm;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.lucene.util.VectorUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The semantic matcher with the real MiniLM model and the shipped verifier. */
class EmbeddingMatcherTest {
  static final double DEFAULT = Double.NaN;
  static Embedder embedder;
  EmbeddingMatcher<String> matcher;

  static final Context SUPPORT = new Context("tenant-a", "gpt-4o-mini", "system:support|tools:none");

  @BeforeAll
  static void start() {
    embedder = MiniLm.start();
  }

  @AfterAll
  static void stop() {
    embedder.close();
  }

  @BeforeEach
  void newMatcher() {
    matcher = new EmbeddingMatcher<>(embedder, Verifier.shipped(), 1000);
  }

  @AfterEach
  void closeMatcher() {
    matcher.close();
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  Optional<Match<String>> find(Context context, String question) throws Exception {
    return await(matcher.find(context, question, DEFAULT));
  }

  static double cosine(String a, String b) throws Exception {
    List<float[]> v = await(embedder.embed(List.of(a, b))).vectors();
    return VectorUtil.dotProduct(v.get(0), v.get(1));
  }

  @Test
  void aParaphraseInTheSameContextGetsTheStoredAnswer() throws Exception {
    await(matcher.add(SUPPORT, "How do I reset my password?", "answer-1"));

    Optional<Match<String>> found = find(SUPPORT, "How can I reset my password?");

    assertThat(found).isPresent();
    assertThat(found.get().value()).isEqualTo("answer-1");
    assertThat(found.get().question()).isEqualTo("How do I reset my password?");
    assertThat(found.get().similarity()).isGreaterThan(0.9);
  }

  @Test
  void anUnrelatedQuestionFindsNothing() throws Exception {
    await(matcher.add(SUPPORT, "How do I reset my password?", "answer-1"));

    assertThat(find(SUPPORT, "What is the weather in Lisbon today?")).isEmpty();
  }

  @ParameterizedTest(name = "{0} / {1}")
  @CsvSource(delimiter = '|', textBlock = """
      What is the capital of Austria?         | What is the capital of Australia?
      Is ibuprofen safe during pregnancy?     | Is ibuprofen not safe during pregnancy?
      Book 2 tickets to Paris for Friday      | Book 3 tickets to Paris for Friday
      How many calories are in 2 eggs?        | How many calories are in 5 eggs?
      Why is Messi better than Ronaldo?       | Why is Ronaldo better than Pele?
      """)
  void trapsAreRefusedWhateverTheThreshold(String stored, String asked) throws Exception {
    double lowFloor = 0.5;
    assertThat(cosine(stored, asked)).as("close enough to pass a low threshold").isGreaterThan(lowFloor);
    await(matcher.add(SUPPORT, stored, "answer"));

    assertThat(find(SUPPORT, asked)).isEmpty();
    assertThat(await(matcher.find(SUPPORT, asked, lowFloor))).isEmpty();
    assertThat(find(SUPPORT, stored)).as("the stored question itself still hits").isPresent();
  }

  @Test
  void aDifferentSystemPromptOrToolSetNeverMatchesEvenTheSameQuestion() throws Exception {
    await(matcher.add(SUPPORT, "What are its types?", "types of inflation"));

    Context otherSystemPrompt = new Context("tenant-a", "gpt-4o-mini", "system:sales|tools:none");
    Context otherTools = new Context("tenant-a", "gpt-4o-mini", "system:support|tools:search");
    Context otherEarlierTurns = new Context("tenant-a", "gpt-4o-mini", "system:support|tools:none|turns:canada");
    assertThat(find(otherSystemPrompt, "What are its types?")).isEmpty();
    assertThat(find(otherTools, "What are its types?")).isEmpty();
    assertThat(find(otherEarlierTurns, "What are its types?")).isEmpty();
    assertThat(find(SUPPORT, "What are its types?")).isPresent();
  }

  @Test
  void anotherTenantOrModelNeverMatches() throws Exception {
    await(matcher.add(SUPPORT, "How do I reset my password?", "tenant-a's answer"));

    assertThat(find(new Context("tenant-b", "gpt-4o-mini", SUPPORT.contextHash()), "How do I reset my password?")).isEmpty();
    assertThat(find(new Context("tenant-a", "gpt-4o", SUPPORT.contextHash()), "How do I reset my password?")).isEmpty();
  }

  @Test
  void purgeDropsTheEntriesOfTheChosenContextsOnly() throws Exception {
    Context tenantB = new Context("tenant-b", "gpt-4o-mini", SUPPORT.contextHash());
    await(matcher.add(SUPPORT, "How do I reset my password?", "a"));
    await(matcher.add(tenantB, "How do I reset my password?", "b"));

    matcher.purge(c -> c.scope().equals("tenant-a"));

    assertThat(find(SUPPORT, "How do I reset my password?")).isEmpty();
    assertThat(find(tenantB, "How do I reset my password?")).map(Match::value).contains("b");
  }

  @Test
  void aThresholdAboveTheSimilarityRefusesAParaphrase() throws Exception {
    await(matcher.add(SUPPORT, "How do I reset my password?", "answer-1"));

    assertThat(await(matcher.find(SUPPORT, "How can I reset my password?", 0.999))).isEmpty();
  }

  @Test
  void onAnEventLoopTheAnswerArrivesOnThatEventLoop() throws Exception {
    await(matcher.add(SUPPORT, "How do I reset my password?", "answer-1"));
    Vertx vertx = Vertx.vertx();
    try {
      CompletableFuture<String> answeredOn = new CompletableFuture<>();
      CompletableFuture<String> calledOn = new CompletableFuture<>();
      vertx.runOnContext(v -> {
        calledOn.complete(Thread.currentThread().getName());
        matcher.find(SUPPORT, "How can I reset my password?", DEFAULT)
            .onSuccess(m -> answeredOn.complete(Thread.currentThread().getName()));
      });
      assertThat(answeredOn.get(30, TimeUnit.SECONDS)).isEqualTo(calledOn.get()).contains("eventloop");
    } finally {
      vertx.close();
    }
  }

  @Test
  void anEntryIsServedForItsLifetimeOnly() throws Exception {
    long[] now = {0};
    try (EmbeddingMatcher<String> expiring = new EmbeddingMatcher<>(() -> embedder, Verifier.shipped(), 1000,
        answer -> 1_000_000_000L, GrowingIndex.HNSW_FROM, () -> now[0])) {
      await(expiring.add(SUPPORT, "How do I reset my password?", "answer-1"));

      now[0] = 999_000_000L;
      assertThat(await(expiring.find(SUPPORT, "How can I reset my password?", DEFAULT))).isPresent();
      now[0] = 1_000_000_000L;
      assertThat(await(expiring.find(SUPPORT, "How can I reset my password?", DEFAULT))).isEmpty();
    }
  }

  @Test
  void theMissLatencyOfLookupsThatRanTheModelIsRecorded() throws Exception {
    await(matcher.add(SUPPORT, "How do I reset my password?", "answer-1"));
    find(SUPPORT, "What is the weather in Lisbon today?");
    find(SUPPORT, "Which river flows through Vienna?");

    assertThat(matcher.missLatency().getTotalCount()).isEqualTo(2);
    assertThat(matcher.missLatency().getValueAtPercentile(50)).isPositive();
  }
}
