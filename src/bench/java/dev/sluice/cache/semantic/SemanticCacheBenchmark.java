package dev.sluice.cache.semantic;

import dev.sluice.cache.SemanticMatcher;
import dev.sluice.provider.local.Embedder;
import dev.sluice.provider.local.ModelVariant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
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
 * What the semantic cache adds to a request that misses: {@code lookupOnAMiss} embeds a question
 * no earlier request asked (every invocation's text differs, so nothing is remembered), searches a
 * context of {@code entries} stored questions (brute force below {@link GrowingIndex#HNSW_FROM},
 * HNSW above) and runs the guards and verifier on the nearest; {@code embedOnly} embeds the same
 * kind of question without the cache, so the difference is the search and the verifier.
 *
 * <p>Run: {@code bench/jmh.sh SemanticCacheBenchmark -f 1 -wi 3 -i 5}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
public class SemanticCacheBenchmark {
  private static final String[] ASK = {"How do I", "What is the best way to", "Can I", "Why should I", "When should I",
      "Is it possible to", "Where can I learn to", "How long does it take to"};
  private static final String[] DO = {"repair", "paint", "sell", "insure", "photograph", "clean", "rent", "ship",
      "upgrade", "measure", "recycle", "decorate", "heat", "cool", "move", "store"};
  private static final String[] WHAT = {"an old bicycle", "a wooden fence", "a used car", "a small boat",
      "a vintage guitar", "a leather sofa", "a garden shed", "an electric scooter", "a ceramic vase",
      "a mountain cabin", "a laptop battery", "a kitchen table", "a wedding dress", "a stone wall",
      "a fish tank", "a solar panel"};
  private static final String[] WHERE = {"in winter", "on a budget", "without tools", "as a beginner", "at home",
      "in a city apartment", "for a rental", "before moving", "after a flood", "with kids around"};
  private static final String[] STORED_TOPICS = {"tax return", "visa application", "job interview", "wedding speech",
      "marathon training", "sourdough bread", "python script", "database index", "garden pond", "piano lesson",
      "credit score", "car loan", "flight delay", "hotel booking", "phone contract", "gym membership"};

  @Param({"100", "2500"})
  int entries;

  /** Sluice's encoder, or LangChain4j's model with ONNX Runtime's defaults (as before), see {@link ModelVariant}. */
  @Param({"encoder", "library"})
  ModelVariant model;

  private Embedder embedder;
  private EmbeddingMatcher<String> matcher;
  private final SemanticMatcher.Context context = new SemanticMatcher.Context("bench", "model", "system-prompt-hash");
  private List<String> questions;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    embedder = model.start();
    matcher = new EmbeddingMatcher<>(embedder, Verifier.shipped(), 100_000);
    Random r = new Random(1);
    for (int i = 0; i < entries; i++) {
      String topic = STORED_TOPICS[i % STORED_TOPICS.length];
      String q = "What should I know about my " + topic + " " + WHERE[(i / 16) % WHERE.length] + ", case " + i + "?";
      matcher.add(context, q, "answer " + i).toCompletionStage().toCompletableFuture().get();
    }
    questions = new ArrayList<>();
    for (String a : ASK) for (String d : DO) for (String w : WHAT) for (String p : WHERE) questions.add(a + " " + d + " " + w + " " + p + "?");
    java.util.Collections.shuffle(questions, r);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    matcher.close();
    embedder.close();
  }

  @Benchmark
  public Optional<SemanticMatcher.Match<String>> lookupOnAMiss() throws Exception {
    return matcher.find(context, questions.get(next++ % questions.size()), Double.NaN)
        .toCompletionStage().toCompletableFuture().get();
  }

  @Benchmark
  public Embedder.Embeddings embedOnly() throws Exception {
    return embedder.embed(List.of(questions.get(next++ % questions.size())))
        .toCompletionStage().toCompletableFuture().get();
  }

  /**
   * Nearest-neighbour search alone, brute force against HNSW, on random unit vectors, in wall time
   * (on a shared machine, prefer {@link IndexSearchCpuTime}).
   */
  @State(Scope.Benchmark)
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
  public static class Search {
    @Param({"500", "2048", "8000"})
    int size;

    private BruteForceIndex brute;
    private HnswIndex hnsw;
    private float[][] queries;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
      Random r = new Random(2);
      brute = new BruteForceIndex();
      hnsw = new HnswIndex();
      for (int i = 0; i < size; i++) {
        float[] v = unit(r);
        brute.add(i, v);
        hnsw.add(i, v);
      }
      queries = new float[1024][];
      for (int i = 0; i < queries.length; i++) queries[i] = unit(r);
    }

    private static float[] unit(Random r) {
      float[] v = new float[384];
      double n = 0;
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) r.nextGaussian();
        n += v[i] * v[i];
      }
      for (int i = 0; i < v.length; i++) v[i] /= (float) Math.sqrt(n);
      return v;
    }

    @Benchmark
    public Object bruteForce() {
      return brute.nearest(queries[next++ & 1023], EmbeddingMatcher.CANDIDATES);
    }

    @Benchmark
    public Object hnsw() {
      return hnsw.nearest(queries[next++ & 1023], EmbeddingMatcher.CANDIDATES);
    }
  }
}
