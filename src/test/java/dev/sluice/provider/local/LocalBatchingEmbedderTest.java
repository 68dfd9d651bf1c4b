package dev.sluice.provider.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The queueing and batching of {@link BatchingEmbedder}, against a fake model whose pace the test controls. */
class LocalBatchingEmbedderTest {
  private final FakeEmbeddingModel fake = new FakeEmbeddingModel();
  private final List<BatchingEmbedder> started = new ArrayList<>();

  @AfterEach
  void closeEmbedders() {
    fake.open();
    started.forEach(BatchingEmbedder::close);
  }

  @Test
  void aLoneCallIsEmbeddedAtOnceInABatchOfItsOwn() throws Exception {
    BatchingEmbedder embedder = start(new BatchingEmbedder.Limits(32, 100));

    Embedder.Embeddings e = await(embedder.embed(List.of("two words")));

    assertThat(e.vectors()).hasSize(1);
    assertThat(e.vectors().getFirst()).containsExactly(FakeEmbeddingModel.vector("two words"));
    assertThat(e.tokens()).isEqualTo(2);
    assertThat(embedder.stats()).isEqualTo(new Embedder.Stats(1, 1, 1, 0));
  }

  @Test
  void callsArrivingWhileABatchRunsShareTheNextBatchAndEachGetsItsOwnVectors() throws Exception {
    BatchingEmbedder embedder = start(new BatchingEmbedder.Limits(32, 100));
    fake.close();
    Future<Embedder.Embeddings> first = embedder.embed(List.of("first"));
    fake.awaitEntered();
    List<Future<Embedder.Embeddings>> waiting = new ArrayList<>();
    for (int i = 0; i < 10; i++) waiting.add(embedder.embed(List.of("text " + i, "more " + i + " words")));

    fake.open();

    assertThat(await(first).vectors().getFirst()).containsExactly(FakeEmbeddingModel.vector("first"));
    for (int i = 0; i < 10; i++) {
      Embedder.Embeddings e = await(waiting.get(i));
      assertThat(e.vectors().get(0)).containsExactly(FakeEmbeddingModel.vector("text " + i));
      assertThat(e.vectors().get(1)).containsExactly(FakeEmbeddingModel.vector("more " + i + " words"));
      assertThat(e.tokens()).isEqualTo(2 + 3);
    }
    assertThat(embedder.stats()).isEqualTo(new Embedder.Stats(11, 21, 2, 0));
  }

  @Test
  void withTwoDrainsACallArrivingWhileABatchRunsIsEmbeddedAtOnceBesideIt() throws Exception {
    BatchingEmbedder embedder = start(new BatchingEmbedder.Limits(32, 100, 2));
    fake.close();
    Future<Embedder.Embeddings> first = embedder.embed(List.of("first"));
    fake.awaitEntered();

    Future<Embedder.Embeddings> second = embedder.embed(List.of("second"));

    awaitSeen(2); // the second call is in the model while the first still is
    fake.open();
    assertThat(await(first).vectors().getFirst()).containsExactly(FakeEmbeddingModel.vector("first"));
    assertThat(await(second).vectors().getFirst()).containsExactly(FakeEmbeddingModel.vector("second"));
    assertThat(fake.threads).containsExactlyInAnyOrder("test-embedder-1", "test-embedder-2");
    assertThat(embedder.stats()).isEqualTo(new Embedder.Stats(2, 2, 2, 0));
  }

  @Test
  void withTwoDrainsALoneLargeCallIsSharedBetweenThemAndKeepsItsOrder() throws Exception {
    BatchingEmbedder embedder = start(new BatchingEmbedder.Limits(32, 100, 2));
    fake.close();
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 10; i++) texts.add("text number " + i);

    Future<Embedder.Embeddings> large = embedder.embed(texts);

    awaitSeen(2); // each drain is in the model with the first text of its half
    assertThat(fake.seen).containsExactlyInAnyOrder("text number 0", "text number 5");
    fake.open();
    Embedder.Embeddings e = await(large);
    for (int i = 0; i < 10; i++) assertThat(e.vectors().get(i)).containsExactly(FakeEmbeddingModel.vector(texts.get(i)));
    assertThat(e.tokens()).isEqualTo(10 * 3);
    assertThat(embedder.stats()).isEqualTo(new Embedder.Stats(1, 10, 2, 0));
  }

  @Test
  void batchesAreBoundedAndACallLargerThanABatchIsSplitInOrder() throws Exception {
    BatchingEmbedder embedder = start(new BatchingEmbedder.Limits(4, 100));
    fake.close();
    Future<Embedder.Embeddings> first = embedder.embed(List.of("first"));
    fake.awaitEntered();
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 10; i++) texts.add("text number " + i);
    Future<Embedder.Embeddings> large = embedder.embed(texts);

    fake.open();

    await(first);
    Embedder.Embeddings e = await(large);
    for (int i = 0; i < 10; i++) assertThat(e.vectors().get(i)).containsExactly(FakeEmbeddingModel.vector(texts.get(i)));
    assertThat(embedder.stats().batches()).isEqualTo(1 + 3); // 1, then 4 + 4 + 2
    assertThat(fake.seen).containsExactlyElementsOf(concat(List.of("first"), texts));
  }

  @Test
  void aFullQueueRefusesACallAtOnceInsteadOfQueueingIt() throws Exception {
    BatchingEmbedder embedder = start(new BatchingEmbedder.Limits(32, 5));
    fake.close();
    Future<Embedder.Embeddings> running = embedder.embed(List.of("running"));
    fake.awaitEntered();
    Future<Embedder.Embeddings> fits = embedder.embed(List.of("a", "b", "c", "d", "e"));

    Future<Embedder.Embeddings> refused = embedder.embed(List.of("one too many"));

    assertThat(refused.failed()).isTrue();
    assertThat(refused.cause()).isInstanceOf(RejectedExecutionException.class)
        .hasMessageContaining("saturated").hasMessageContaining("5 texts are waiting");
    fake.open();
    assertThat(await(running).vectors()).hasSize(1);
    assertThat(await(fits).vectors()).hasSize(5);
    assertThat(embedder.stats().rejected()).isEqualTo(1);
    assertThat(await(embedder.embed(List.of("room again"))).vectors()).hasSize(1);
  }

  @Test
  void anEmptyTextFailsItsOwnCallOnlyAndNamesItsIndex() throws Exception {
    BatchingEmbedder embedder = start(new BatchingEmbedder.Limits(32, 100));
    fake.close();
    Future<Embedder.Embeddings> running = embedder.embed(List.of("running"));
    fake.awaitEntered();
    Future<Embedder.Embeddings> withBlank = embedder.embed(List.of("fine", " \n\t"));
    Future<Embedder.Embeddings> neighbour = embedder.embed(List.of("neighbour"));

    fake.open();

    await(running);
    assertThat(failure(withBlank)).isInstanceOf(Embedder.EmptyTextException.class)
        .satisfies(t -> assertThat(((Embedder.EmptyTextException) t).index()).isEqualTo(1));
    assertThat(await(neighbour).vectors().getFirst()).containsExactly(FakeEmbeddingModel.vector("neighbour"));
  }

  @Test
  void aModelFailureFailsThatCallAndTheEmbedderCarriesOn() throws Exception {
    BatchingEmbedder embedder = start(new BatchingEmbedder.Limits(32, 100));

    assertThat(failure(embedder.embed(List.of("boom")))).hasMessageContaining("fake model exploded");
    assertThat(await(embedder.embed(List.of("after"))).vectors()).hasSize(1);
  }

  @Test
  void aModelThatCannotLoadFailsEveryCallInsteadOfHanging() throws Exception {
    AtomicInteger loads = new AtomicInteger();
    BatchingEmbedder embedder = start(() -> {
      loads.incrementAndGet();
      throw new IllegalStateException("no native library");
    }, new BatchingEmbedder.Limits(32, 100));

    assertThat(failure(embedder.embed(List.of("a")))).hasMessageContaining("could not be loaded")
        .hasMessageContaining("no native library");
    assertThat(failure(embedder.embed(List.of("b")))).hasMessageContaining("could not be loaded");
    assertThat(loads).hasValue(1);
  }

  @Test
  void closeFailsTheCallsStillWaitingAndRefusesNewOnes() throws Exception {
    BatchingEmbedder embedder = start(new BatchingEmbedder.Limits(32, 100));
    fake.close();
    Future<Embedder.Embeddings> running = embedder.embed(List.of("running"));
    fake.awaitEntered();
    Future<Embedder.Embeddings> waiting = embedder.embed(List.of("waiting"));

    embedder.close();

    assertThat(failure(waiting)).isInstanceOf(RejectedExecutionException.class).hasMessageContaining("closed");
    assertThat(failure(embedder.embed(List.of("late")))).isInstanceOf(RejectedExecutionException.class);
    fake.open();
    assertThat(await(running).vectors()).hasSize(1); // the batch already running finishes
  }

  @Test
  void theModelRunsOnTheEmbeddersThreadAndTheCallCompletesOnTheCallersContext() throws Exception {
    BatchingEmbedder embedder = start(new BatchingEmbedder.Limits(32, 100));
    Vertx vertx = Vertx.vertx();
    try {
      Context context = vertx.getOrCreateContext();
      CompletableFuture<String> completedOn = new CompletableFuture<>();
      context.runOnContext(v -> embedder.embed(List.of("on the loop")).onComplete(ar ->
          completedOn.complete((Vertx.currentContext() == context) + " " + Thread.currentThread().getName())));

      String where = completedOn.get(5, TimeUnit.SECONDS);

      assertThat(where).startsWith("true vert.x-eventloop-thread");
      assertThat(fake.threads).containsExactly("test-embedder");
    } finally {
      vertx.close().await(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aCallerThatAsksForItCompletesOnTheModelsThreadEvenFromAnEventLoop() throws Exception {
    BatchingEmbedder embedder = start(new BatchingEmbedder.Limits(32, 100));
    Vertx vertx = Vertx.vertx();
    try {
      Context context = vertx.getOrCreateContext();
      CompletableFuture<String> completedOn = new CompletableFuture<>();
      CountDownLatch listening = new CountDownLatch(1);
      fake.close(); // the model answers only once the callback is registered
      context.runOnContext(v -> {
        embedder.embedOnModelThread(List.of("on the loop")).onComplete(ar ->
            completedOn.complete(ar.result().vectors().size() + " " + Thread.currentThread().getName()));
        listening.countDown();
      });
      assertThat(listening.await(5, TimeUnit.SECONDS)).isTrue();
      fake.open();

      assertThat(completedOn.get(5, TimeUnit.SECONDS)).isEqualTo("1 test-embedder");
    } finally {
      vertx.close().await(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void anEmptyListNeedsNoModel() throws Exception {
    BatchingEmbedder embedder = start(new BatchingEmbedder.Limits(32, 100));

    assertThat(await(embedder.embed(List.of())).vectors()).isEmpty();
    assertThat(embedder.stats().requests()).isZero();
  }

  private BatchingEmbedder start(BatchingEmbedder.Limits limits) {
    return start(() -> fake, limits);
  }

  private BatchingEmbedder start(Supplier<EmbeddingModel> loader, BatchingEmbedder.Limits limits) {
    ExecutorService executor = limits.drains() == 1
        ? Executors.newSingleThreadExecutor(Thread.ofPlatform().name("test-embedder").factory())
        : Executors.newFixedThreadPool(limits.drains(), Thread.ofPlatform().name("test-embedder-", 1).factory());
    BatchingEmbedder e = BatchingEmbedder.start("fake", FakeEmbeddingModel.DIMENSIONS, loader, executor, limits);
    started.add(e);
    return e;
  }

  private void awaitSeen(int texts) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (fake.seen.size() < texts && System.nanoTime() < deadline) Thread.sleep(5);
    assertThat(fake.seen).as("texts in the model").hasSize(texts);
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private static Throwable failure(Future<?> f) throws Exception {
    try {
      f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected the call to fail");
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  /**
   * A stand-in model: a text's vector is (length, word count, first char); tokens are words. It
   * waits while its gate is closed, signals when a text has entered it, records every text it saw
   * and the threads it ran on, and fails on the text {@code boom}.
   */
  static final class FakeEmbeddingModel implements EmbeddingModel {
    static final int DIMENSIONS = 3;

    final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    final Set<String> threads = ConcurrentHashMap.newKeySet();
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private volatile CountDownLatch entered = new CountDownLatch(1);

    static float[] vector(String text) {
      return new float[] {text.length(), text.split("\\s+").length, text.charAt(0)};
    }

    void close() {
      gate = new CountDownLatch(1);
    }

    void open() {
      gate.countDown();
    }

    void awaitEntered() throws InterruptedException {
      assertThat(entered.await(5, TimeUnit.SECONDS)).as("the model was entered").isTrue();
    }

    @Override
    public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
      List<Embedding> out = new ArrayList<>();
      int tokens = 0;
      for (TextSegment s : segments) {
        seen.add(s.text());
        threads.add(Thread.currentThread().getName());
        entered.countDown();
        try {
          gate.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
        if (s.text().equals("boom")) throw new IllegalStateException("fake model exploded");
        out.add(Embedding.from(vector(s.text())));
        tokens += s.text().split("\\s+").length;
      }
      return Response.from(out, new TokenUsage(tokens));
    }
  }
}
