package dev.sluice.cascade;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A trained cascade router: from a prompt and its embedding, a score that estimates how many more
 * correct answers the strong model gives than the cheap one on that prompt, {@code P(strong right)
 * - P(cheap right)}, between -1 and 1. Prompts scoring at or above the threshold go to the strong
 * model; a higher threshold sends fewer calls there, saving cost and losing quality.
 *
 * <p>Each probability comes from a logistic regression (see {@link RouterTraining}) over:
 * <ul>
 *   <li>the prompt's probable source ({@link SourceCentroids}; for MMLU, its subject), judged by
 *       the vectors of its opening and of its ending, since how often each model is right depends
 *       mostly on the subject;
 *   <li>the prompt's shape ({@link PromptShape}), standardised, and its products with the source
 *       probabilities, since what length or digits mean differs by subject;
 * </ul>
 * and is then moved by the prompt's near duplicates in the training data ({@link NearDuplicates},
 * by the opening's vector). Scoring costs a few dozen microseconds: two dot products per source,
 * and a scan of 128-bit sketches.
 *
 * <p>The file ({@code sluice router train --out FILE}) is JSON:
 * <pre>
 * { "format": "sluice-cascade-router", "version": 3,
 *   "embedding_model": "all-minilm-l6-v2", "dimensions": 384, "input_chars": 1000,
 *   "ending_chars": 400, "default_threshold": 0.08,
 *   "classifier": { "type": "source-logistic",
 *     "sources": [names], "source_temperature": 10.0,
 *     "source_centroids": base64 of sources*dimensions little-endian float32 (openings),
 *     "source_ending_centroids": likewise (endings),
 *     "shape_features": [names], "shape_mean": [...], "shape_scale": [...],
 *     "strong_weights": [...], "cheap_weights": [...],   (1 + sources + shapes + sources*shapes each)
 *     "near_duplicates": { "count": N, "similarity": 0.99, "prior_weight": 1.0, "sketch_seed": S,
 *       "vectors": base64 of N*dimensions signed bytes (component * 127, rounded),
 *       "sketches": base64 of N*2 little-endian int64,
 *       "strong_residuals": base64 of N little-endian float32, "cheap_residuals": likewise } },
 *   "training": { how the hyper-parameters were chosen },
 *   "trained_on": { "prompts": N, "cheap_accuracy": 0.68, "strong_accuracy": 0.81 } }
 * </pre>
 * Files of earlier versions (1: nearest neighbours only; 2: source centroids of openings only) are
 * refused with a request to train again.
 *
 * <p>Immutable and thread-safe.
 */
public final class CascadeRouter {
  public static final String FORMAT = "sluice-cascade-router";
  public static final int VERSION = 3;
  static final String TYPE = "source-logistic";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String embeddingModel;
  private final int dimensions;
  private final SourceCentroids sources;
  private final double[] shapeMean;
  private final double[] shapeScale;
  private final double[] strongWeights;
  private final double[] cheapWeights;
  private final NearDuplicates duplicates;
  private final double defaultThreshold;
  private final JsonNode training;
  private final JsonNode trainedOn;

  CascadeRouter(String embeddingModel, int dimensions, SourceCentroids sources, double[] shapeMean,
      double[] shapeScale, double[] strongWeights, double[] cheapWeights, NearDuplicates duplicates,
      double defaultThreshold, JsonNode training, JsonNode trainedOn) {
    int features = featureCount(sources.size());
    if (shapeMean.length != PromptShape.NAMES.length || shapeScale.length != PromptShape.NAMES.length) {
      throw new IllegalArgumentException("expected " + PromptShape.NAMES.length + " shape means and scales");
    }
    if (strongWeights.length != features || cheapWeights.length != features) {
      throw new IllegalArgumentException(sources.size() + " sources need " + features + " weights per model, got "
          + strongWeights.length + " and " + cheapWeights.length);
    }
    this.embeddingModel = embeddingModel;
    this.dimensions = dimensions;
    this.sources = sources;
    this.shapeMean = shapeMean;
    this.shapeScale = shapeScale;
    this.strongWeights = strongWeights;
    this.cheapWeights = cheapWeights;
    this.duplicates = duplicates;
    this.defaultThreshold = defaultThreshold;
    this.training = training;
    this.trainedOn = trainedOn;
  }

  /** The embedding model whose vectors {@link #score} expects. */
  public String embeddingModel() {
    return embeddingModel;
  }

  public int dimensions() {
    return dimensions;
  }

  /** The threshold chosen at training time (see {@code sluice router train}). */
  public double defaultThreshold() {
    return defaultThreshold;
  }

  NearDuplicates nearDuplicates() {
    return duplicates;
  }

  /** How the hyper-parameters were chosen, as written in the file. */
  public JsonNode training() {
    return training;
  }

  /**
   * What of a prompt the router embeds first, its opening: the text given to the embedding model,
   * at training and at request time.
   */
  public static String input(String prompt) {
    return PromptEmbedder.embeddable(prompt);
  }

  /**
   * What of a prompt the router embeds second, its ending; the same text as {@link #input} when
   * {@link #hasOwnEnding} is false, so that its vector serves both.
   */
  public static String ending(String prompt) {
    return PromptEmbedder.ending(prompt);
  }

  /** Whether a prompt is long enough for its ending to differ from its opening and need a vector of its own. */
  public static boolean hasOwnEnding(String prompt) {
    return PromptEmbedder.hasOwnEnding(prompt);
  }

  /**
   * The predicted gain of the strong model on a prompt, between -1 and 1: {@code P(strong right) -
   * P(cheap right)}. {@code prompt} is the whole text (its shape is measured on all of it),
   * {@code opening} and {@code ending} the unit vectors of {@link #input} and {@link #ending}.
   * Pure and cheap (tens of microseconds).
   */
  public double score(String prompt, float[] opening, float[] ending) {
    if (opening.length != dimensions || ending.length != dimensions) {
      throw new IllegalArgumentException("expected vectors of " + dimensions + " dimensions, got " + opening.length
          + " and " + ending.length);
    }
    double[] x = features(sources.posterior(opening, ending),
        standardised(PromptShape.of(prompt), shapeMean, shapeScale));
    NearDuplicates.Shift shift = duplicates.shift(opening);
    return gain(LogisticRegression.probability(strongWeights, x), LogisticRegression.probability(cheapWeights, x), shift);
  }

  /** The score from the two predicted probabilities moved by the near duplicates, each kept within [0, 1]. */
  static double gain(double strong, double cheap, NearDuplicates.Shift shift) {
    return Math.clamp(strong + shift.strong(), 0, 1) - Math.clamp(cheap + shift.cheap(), 0, 1);
  }

  /** Features per prompt: a constant, the source probabilities, the shapes, and each source probability times each shape. */
  static int featureCount(int sources) {
    return 1 + sources + PromptShape.NAMES.length * (1 + sources);
  }

  static double[] features(double[] posterior, double[] shape) {
    int c = posterior.length;
    double[] x = new double[featureCount(c)];
    x[0] = 1;
    System.arraycopy(posterior, 0, x, 1, c);
    System.arraycopy(shape, 0, x, 1 + c, shape.length);
    int at = 1 + c + shape.length;
    for (int s = 0; s < c; s++) {
      for (double v : shape) x[at++] = posterior[s] * v;
    }
    return x;
  }

  static double[] standardised(double[] shape, double[] mean, double[] scale) {
    double[] out = new double[shape.length];
    for (int j = 0; j < shape.length; j++) out[j] = (shape[j] - mean[j]) / scale[j];
    return out;
  }

  /** Writes the router file. */
  public void write(Path file) {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", FORMAT);
    o.put("version", VERSION);
    o.put("embedding_model", embeddingModel);
    o.put("dimensions", dimensions);
    o.put("input_chars", PromptEmbedder.MAX_CHARS);
    o.put("ending_chars", PromptEmbedder.ENDING_CHARS);
    o.put("default_threshold", defaultThreshold);
    ObjectNode c = o.putObject("classifier");
    c.put("type", TYPE);
    ArrayNode names = c.putArray("sources");
    sources.names().forEach(names::add);
    c.put("source_temperature", sources.temperature());
    c.put("source_centroids", base64(sources.openings()));
    c.put("source_ending_centroids", base64(sources.endings()));
    ArrayNode shapes = c.putArray("shape_features");
    for (String s : PromptShape.NAMES) shapes.add(s);
    numbers(c.putArray("shape_mean"), shapeMean);
    numbers(c.putArray("shape_scale"), shapeScale);
    numbers(c.putArray("strong_weights"), strongWeights);
    numbers(c.putArray("cheap_weights"), cheapWeights);
    ObjectNode m = c.putObject("near_duplicates");
    m.put("count", duplicates.size());
    m.put("similarity", NearDuplicates.SIMILARITY);
    m.put("prior_weight", NearDuplicates.PRIOR_WEIGHT);
    m.put("sketch_seed", NearDuplicates.SKETCH_SEED);
    m.put("vectors", Base64.getEncoder().encodeToString(duplicates.vectors()));
    ByteBuffer sk = ByteBuffer.allocate(duplicates.sketches().length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (long x : duplicates.sketches()) sk.putLong(x);
    m.put("sketches", Base64.getEncoder().encodeToString(sk.array()));
    m.put("strong_residuals", base64(duplicates.strongResiduals()));
    m.put("cheap_residuals", base64(duplicates.cheapResiduals()));
    if (training != null) o.set("training", training);
    if (trainedOn != null) o.set("trained_on", trainedOn);
    try {
      if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
      JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), o);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** Reads a router file, with a message naming what is wrong when it is not one. */
  public static CascadeRouter read(Path file) {
    JsonNode o;
    try {
      o = JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the router file " + file + ": " + e.getMessage(), e);
    }
    if (o == null || !FORMAT.equals(o.path("format").asText())) {
      throw new IllegalArgumentException(file + " is not a router file (written by sluice router train)");
    }
    if (o.path("version").asInt() != VERSION) {
      throw new IllegalArgumentException(file + " is a version " + o.path("version").asInt()
          + " router; this Sluice reads version " + VERSION + " (train it again with sluice router train)");
    }
    JsonNode c = o.path("classifier");
    if (!TYPE.equals(c.path("type").asText())) {
      throw new IllegalArgumentException(file + ": unknown classifier type '" + c.path("type").asText() + "'");
    }
    if (o.path("input_chars").asInt() != PromptEmbedder.MAX_CHARS
        || o.path("ending_chars").asInt() != PromptEmbedder.ENDING_CHARS) {
      throw new IllegalArgumentException(file + " was trained on the first " + o.path("input_chars").asInt()
          + " and the last " + o.path("ending_chars").asInt() + " characters of prompts; this Sluice reads "
          + PromptEmbedder.MAX_CHARS + " and " + PromptEmbedder.ENDING_CHARS + " (train it again)");
    }
    JsonNode m = c.path("near_duplicates");
    List<String> shapeNames = new ArrayList<>();
    c.path("shape_features").forEach(n -> shapeNames.add(n.asText()));
    if (!shapeNames.equals(List.of(PromptShape.NAMES)) || m.path("similarity").asDouble() != NearDuplicates.SIMILARITY
        || m.path("prior_weight").asDouble() != NearDuplicates.PRIOR_WEIGHT
        || m.path("sketch_seed").asLong() != NearDuplicates.SKETCH_SEED) {
      throw new IllegalArgumentException(file + " measures prompts differently from this Sluice (train it again)");
    }
    try {
      int dims = o.path("dimensions").asInt();
      List<String> names = new ArrayList<>();
      c.path("sources").forEach(n -> names.add(n.asText()));
      SourceCentroids sources = new SourceCentroids(names, dims, floats(c.path("source_centroids").asText()),
          floats(c.path("source_ending_centroids").asText()), c.path("source_temperature").asDouble());
      byte[] sk = Base64.getDecoder().decode(m.path("sketches").asText());
      long[] sketches = new long[sk.length / Long.BYTES];
      ByteBuffer.wrap(sk).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(sketches);
      NearDuplicates duplicates = new NearDuplicates(dims, Base64.getDecoder().decode(m.path("vectors").asText()),
          sketches, floats(m.path("strong_residuals").asText()), floats(m.path("cheap_residuals").asText()));
      return new CascadeRouter(o.path("embedding_model").asText(), dims, sources, doubles(c.path("shape_mean")),
          doubles(c.path("shape_scale")), doubles(c.path("strong_weights")), doubles(c.path("cheap_weights")),
          duplicates, o.path("default_threshold").asDouble(), o.get("training"), o.get("trained_on"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + " is damaged: " + e.getMessage(), e);
    }
  }

  private static String base64(float[] values) {
    ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : values) b.putFloat(x);
    return Base64.getEncoder().encodeToString(b.array());
  }

  private static float[] floats(String base64) {
    byte[] bytes = Base64.getDecoder().decode(base64);
    if (bytes.length % Float.BYTES != 0) throw new IllegalArgumentException("a float array is not whole floats");
    float[] out = new float[bytes.length / Float.BYTES];
    ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
  }

  private static void numbers(ArrayNode to, double[] values) {
    for (double v : values) to.add(v);
  }

  private static double[] doubles(JsonNode array) {
    if (!array.isArray()) throw new IllegalArgumentException("expected an array of numbers");
    double[] out = new double[array.size()];
    for (int i = 0; i < out.length; i++) out[i] = array.get(i).asDouble();
    return out;
  }
}
