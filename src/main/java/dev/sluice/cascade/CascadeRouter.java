package dev.sluice.cascade;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

/**
 * A trained cascade router: from a prompt's embedding, a score that estimates how much the strong
 * model would gain over the cheap one on that prompt: the mean target of the {@code k} most similar
 * training prompts, a target being the strong model's gain on that prompt (1 when only it answered
 * correctly, -1 when only the cheap one did, else 0) blended with the mean gain of the prompt's
 * source (see {@link RouterTraining}). Prompts scoring at or above the threshold go to the strong model; a higher
 * threshold sends fewer calls there, saving cost and losing quality.
 *
 * <p>The file ({@code sluice router train --out FILE}) is JSON:
 * <pre>
 * { "format": "sluice-cascade-router", "version": 1,
 *   "embedding_model": "all-minilm-l6-v2", "dimensions": 384, "input_chars": 1000,
 *   "default_threshold": 0.08,
 *   "classifier": { "type": "knn", "k": 50, "count": N,
 *                   "vectors": base64 of N*dimensions signed bytes (component * 127, rounded),
 *                   "targets": base64 of N little-endian float32, one per training prompt },
 *   "trained_on": { "prompts": N, "cheap_accuracy": 0.68, "strong_accuracy": 0.81 } }
 * </pre>
 * Vectors are stored at 8 bits per component: the cosine similarities that rank neighbours change
 * by well under 1%, and the file is a quarter of the size of floats.
 *
 * <p>Immutable and thread-safe.
 */
public final class CascadeRouter {
  public static final String FORMAT = "sluice-cascade-router";
  public static final int VERSION = 1;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String embeddingModel;
  private final int dimensions;
  private final int k;
  private final byte[] vectors;
  private final float[] targets;
  private final double defaultThreshold;
  private final JsonNode trainedOn;

  CascadeRouter(String embeddingModel, int dimensions, int k, byte[] vectors, float[] targets, double defaultThreshold,
      JsonNode trainedOn) {
    if (targets.length == 0) throw new IllegalArgumentException("a router needs at least one training prompt");
    if (vectors.length != targets.length * dimensions) {
      throw new IllegalArgumentException("the router holds " + vectors.length + " vector bytes for " + targets.length
          + " prompts of " + dimensions + " dimensions");
    }
    if (k < 1) throw new IllegalArgumentException("k must be at least 1, got " + k);
    this.embeddingModel = embeddingModel;
    this.dimensions = dimensions;
    this.k = Math.min(k, targets.length);
    this.vectors = vectors;
    this.targets = targets;
    this.defaultThreshold = defaultThreshold;
    this.trainedOn = trainedOn;
  }

  /** Builds a router from training prompts' unit vectors and their targets (see {@link RouterTraining}). */
  static CascadeRouter of(String embeddingModel, List<float[]> unitVectors, float[] targets, int k,
      double defaultThreshold, JsonNode trainedOn) {
    int dims = unitVectors.getFirst().length;
    byte[] v = new byte[unitVectors.size() * dims];
    for (int i = 0; i < unitVectors.size(); i++) {
      float[] u = unitVectors.get(i);
      for (int d = 0; d < dims; d++) v[i * dims + d] = quantize(u[d]);
    }
    return new CascadeRouter(embeddingModel, dims, k, v, targets.clone(), defaultThreshold, trainedOn);
  }

  private static byte quantize(float x) {
    return (byte) Math.max(-127, Math.min(127, Math.round(x * 127f)));
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

  /** What of a prompt the router reads: the text given to the embedding model, at training and at request time. */
  public static String input(String prompt) {
    return PromptEmbedder.embeddable(prompt);
  }

  /**
   * The predicted gain of the strong model on a prompt, between -1 and 1: the mean gain of the
   * {@code k} training prompts most similar to it (by cosine similarity). Pure; about a millisecond
   * per thousand training prompts, so callers on an event loop run it elsewhere.
   */
  public double score(float[] embedding) {
    if (embedding.length != dimensions) {
      throw new IllegalArgumentException("expected a vector of " + dimensions + " dimensions, got " + embedding.length);
    }
    int n = targets.length;
    // The k best similarities so far, kept as a min-heap by hand: n is thousands, k tens.
    float[] best = new float[k];
    int[] bestIndex = new int[k];
    int filled = 0;
    for (int i = 0; i < n; i++) {
      float dot = 0;
      int base = i * dimensions;
      for (int d = 0; d < dimensions; d++) dot += embedding[d] * vectors[base + d];
      if (filled < k) {
        best[filled] = dot;
        bestIndex[filled] = i;
        filled++;
        if (filled == k) heapify(best, bestIndex);
      } else if (dot > best[0]) {
        best[0] = dot;
        bestIndex[0] = i;
        siftDown(best, bestIndex, 0, k);
      }
    }
    double sum = 0;
    for (int j = 0; j < filled; j++) sum += targets[bestIndex[j]];
    return sum / filled;
  }

  private static void heapify(float[] h, int[] idx) {
    for (int i = h.length / 2 - 1; i >= 0; i--) siftDown(h, idx, i, h.length);
  }

  private static void siftDown(float[] h, int[] idx, int i, int size) {
    while (true) {
      int l = 2 * i + 1;
      int r = l + 1;
      int smallest = i;
      if (l < size && h[l] < h[smallest]) smallest = l;
      if (r < size && h[r] < h[smallest]) smallest = r;
      if (smallest == i) return;
      float t = h[i];
      h[i] = h[smallest];
      h[smallest] = t;
      int ti = idx[i];
      idx[i] = idx[smallest];
      idx[smallest] = ti;
      i = smallest;
    }
  }

  /** Writes the router file. */
  public void write(Path file) {
    ObjectNode o = JSON.createObjectNode();
    o.put("format", FORMAT);
    o.put("version", VERSION);
    o.put("embedding_model", embeddingModel);
    o.put("dimensions", dimensions);
    o.put("input_chars", PromptEmbedder.MAX_CHARS);
    o.put("default_threshold", defaultThreshold);
    ObjectNode c = o.putObject("classifier");
    c.put("type", "knn");
    c.put("k", k);
    c.put("count", targets.length);
    c.put("vectors", Base64.getEncoder().encodeToString(vectors));
    ByteBuffer t = ByteBuffer.allocate(targets.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    for (float x : targets) t.putFloat(x);
    c.put("targets", Base64.getEncoder().encodeToString(t.array()));
    if (trainedOn != null) o.set("trained_on", trainedOn);
    try {
      if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
      JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), o);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static float[] floats(byte[] littleEndian) {
    if (littleEndian.length % Float.BYTES != 0) throw new IllegalArgumentException("targets are not whole floats");
    float[] out = new float[littleEndian.length / Float.BYTES];
    ByteBuffer.wrap(littleEndian).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
    return out;
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
          + " router; this Sluice reads version " + VERSION + " (train it again)");
    }
    JsonNode c = o.path("classifier");
    if (!"knn".equals(c.path("type").asText())) {
      throw new IllegalArgumentException(file + ": unknown classifier type '" + c.path("type").asText() + "'");
    }
    if (o.path("input_chars").asInt() != PromptEmbedder.MAX_CHARS) {
      throw new IllegalArgumentException(file + " was trained on the first " + o.path("input_chars").asInt()
          + " characters of prompts; this Sluice reads " + PromptEmbedder.MAX_CHARS + " (train it again)");
    }
    try {
      return new CascadeRouter(o.path("embedding_model").asText(), o.path("dimensions").asInt(), c.path("k").asInt(),
          Base64.getDecoder().decode(c.path("vectors").asText()),
          floats(Base64.getDecoder().decode(c.path("targets").asText())),
          o.path("default_threshold").asDouble(), o.get("trained_on"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + " is damaged: " + e.getMessage(), e);
    }
  }
}
