package dev.sluice.provider.local;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-process embedding model through Sluice's {@link Embedder}: one sentence per call, and 32
 * sentences in one call; {@code modelOnlySingle} calls the model directly on the benchmark thread,
 * so the difference to {@code single} is the embedder's cost (queue, hand-off to the inference
 * thread and back); {@code modelOnlyLong} embeds a 100,000-character text, of which the model reads
 * the first 128 tokens. {@code model} picks Sluice's encoder or LangChain4j's model with ONNX
 * Runtime's defaults (see {@link ModelVariant}), side by side in one run.
 *
 * <p>Run (a few minutes; not part of the build):
 * {@code bench/jmh.sh LocalEmbedderBenchmark -f 1 -wi 2 -i 4 -w 2s -r 2s}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
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

  @Param({"encoder", "library"})
  ModelVariant model;

  private Embedder embedder;
  private EmbeddingModel direct;
  private List<String> batch;
  private String longText;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    embedder = model.start();
    direct = model.load();
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 32; i++) texts.add(SENTENCES[i % SENTENCES.length] + (i < SENTENCES.length ? "" : " (" + i + ")"));
    batch = List.copyOf(texts);
    longText = String.join(" ", SENTENCES).repeat(300).substring(0, 100_000);
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
    return direct.embedAll(List.of(TextSegment.from(batch.get(next++ & 31)))).content();
  }

  @Benchmark
  public Object modelOnlyLong() {
    return direct.embedAll(List.of(TextSegment.from(longText))).content();
  }
}
