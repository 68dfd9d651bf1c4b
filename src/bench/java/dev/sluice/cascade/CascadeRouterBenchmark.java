package dev.sluice.cascade;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What scoring one prompt costs a router of the size trained on all of MMLU: 57 sources and
 * 14,037 prompts kept as near-duplicate memory, 384 dimensions. Vectors are random but clustered
 * by source as MMLU's are (cosine about 0.5 within a source), since the near-duplicate search
 * compares in full only the vectors whose sketches are close; weights are random (the cost does
 * not depend on them). The embedding is not included; it is computed anyway,
 * see {@code LocalEmbedderBenchmark}. {@code unrelatedPrompt}: a prompt with no near duplicate,
 * the common case; {@code duplicatedPrompt}: one whose vector is in the memory.
 *
 * <p>With {@code -p routerFile=FILE}, a router file from {@code sluice router train} is scored
 * instead (the duplicated prompt is then its first remembered vector).
 *
 * <p>Run: {@code bench/jmh.sh CascadeRouterBenchmark -f 1 -wi 3 -i 5}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CascadeRouterBenchmark {
  private static final int DIMS = 384;
  private static final int SOURCES = 57;
  private static final int PROMPTS = 14_037;
  private static final String PROMPT = """
      Which of the following best describes the structure that collects urine in the body?
      A. Bladder
      B. Kidney
      C. Ureter
      D. Urethra
      Answer:""";

  /** A router file to score with instead of the synthetic router; empty for the synthetic one. */
  @Param({""})
  public String routerFile;

  private CascadeRouter router;
  private float[] unrelated;
  private float[] duplicated;

  @Setup
  public void setUp() {
    Random random = new Random(1);
    if (!routerFile.isEmpty()) {
      router = CascadeRouter.read(java.nio.file.Path.of(routerFile));
      unrelated = unit(random);
      byte[] remembered = router.nearDuplicates().vectors();
      duplicated = new float[DIMS];
      for (int d = 0; d < DIMS; d++) duplicated[d] = remembered[d] / 127f;
      return;
    }
    List<String> names = new ArrayList<>();
    for (int s = 0; s < SOURCES; s++) names.add("source-" + s);
    List<float[]> centres = new ArrayList<>();
    for (int s = 0; s < SOURCES; s++) centres.add(unit(random));
    List<float[]> vectors = new ArrayList<>();
    int[] source = new int[PROMPTS];
    float[] residuals = new float[PROMPTS];
    for (int i = 0; i < PROMPTS; i++) {
      source[i] = i % SOURCES;
      vectors.add(near(centres.get(source[i]), random));
      residuals[i] = (float) random.nextGaussian() * 0.3f;
    }
    double[] strong = new double[CascadeRouter.featureCount(SOURCES)];
    double[] cheap = new double[strong.length];
    for (int j = 0; j < strong.length; j++) {
      strong[j] = random.nextGaussian();
      cheap[j] = random.nextGaussian();
    }
    double[] mean = new double[PromptShape.NAMES.length];
    double[] scale = new double[mean.length];
    java.util.Arrays.fill(scale, 1);
    router = new CascadeRouter("all-minilm-l6-v2", DIMS, SourceCentroids.of(names, vectors, vectors, source, 10), mean, scale,
        strong, cheap, NearDuplicates.of(vectors, residuals, residuals), 0.1, null, null);
    unrelated = near(centres.get(3), random);
    duplicated = vectors.get(PROMPTS / 2);
  }

  @Benchmark
  public double unrelatedPrompt() {
    return router.score(PROMPT, unrelated, unrelated);
  }

  @Benchmark
  public double duplicatedPrompt() {
    return router.score(PROMPT, duplicated, duplicated);
  }

  /** The centre plus a random unit vector, normalised: two such vectors have a cosine of about 0.5. */
  private static float[] near(float[] centre, Random random) {
    float[] noise = unit(random);
    float[] v = new float[DIMS];
    double norm = 0;
    for (int d = 0; d < DIMS; d++) {
      v[d] = centre[d] + noise[d];
      norm += v[d] * v[d];
    }
    for (int d = 0; d < DIMS; d++) v[d] /= (float) Math.sqrt(norm);
    return v;
  }

  private static float[] unit(Random random) {
    float[] v = new float[DIMS];
    double norm = 0;
    for (int d = 0; d < DIMS; d++) {
      v[d] = (float) random.nextGaussian();
      norm += v[d] * v[d];
    }
    for (int d = 0; d < DIMS; d++) v[d] /= (float) Math.sqrt(norm);
    return v;
  }
}
