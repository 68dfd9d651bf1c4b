package dev.sluice.bench;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.sluice.provider.local.Embedder;
import dev.sluice.provider.local.MiniLm;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-process embedding model through Sluice's {@link Embedder}: one sentence per call, and 32
 * sentences in one call; {@code modelOnlySingle} calls the LangChain4j model directly on the
 * benchmark thread, so the difference to {@code single} is the embedder's cost (queue, hand-off to
 * the inference thread and back).
 *
 * <p>Run (a few minutes; not part of the build):
 *
 * <pre>
 * mvn -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp
 * java --enable-native-access=ALL-UNNAMED \
 *     -cp target/test-classes:target/classes:$(cat target/bench.cp) \
 *     org.openjdk.jmh.Main LocalEmbedderBenchmark
 * </pre>
 *
 * Add {@code -f 1 -wi 2 -i 3 -w 1s -r 1s} for a quick look.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LocalEmbedderBenchmark {
  private static final String[] SENTENCES = {
      "The cat sits on the mat.",
      "A dog is playing in the park with a ball.",
      "How do I reset my password?",
      "Quarterly revenue grew by twelve percent compared to last year.",
      "What is the capital of Austria?",
      "I love eating fresh strawberries in the summer.",
      "The train to Berlin leaves at nine.",
      "Please summarise this document for me in three bullet points.",
  };

  private Embedder embedder;
  private AllMiniLmL6V2QuantizedEmbeddingModel model;
  private List<String> batch;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    embedder = MiniLm.start();
    model = new AllMiniLmL6V2QuantizedEmbeddingModel(Runnable::run);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 32; i++) texts.add(SENTENCES[i % SENTENCES.length] + (i < SENTENCES.length ? "" : " (" + i + ")"));
    batch = List.copyOf(texts);
    embedder.embed(batch).await(); // waits for the model to load and warms it
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    embedder.close();
  }

  @Benchmark
  public Embedder.Embeddings single() {
    return embedder.embed(List.of(batch.get(next++ & 31))).await();
  }

  @Benchmark
  public Embedder.Embeddings batchOf32() {
    return embedder.embed(batch).await();
  }

  @Benchmark
  public Object modelOnlySingle() {
    return model.embedAll(List.of(TextSegment.from(batch.get(next++ & 31)))).content();
  }
}
