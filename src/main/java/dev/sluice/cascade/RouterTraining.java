package dev.sluice.cascade;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.provider.local.MiniLm;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Trains a {@link CascadeRouter} from labelled prompts and their embeddings, and picks its default
 * threshold: the highest threshold (the fewest strong calls) at which a quarter of the training
 * prompts, held out and scored by a router built from the other three quarters, keeps
 * {@value #DEFAULT_QUALITY} of the strong model's accuracy.
 */
public final class RouterTraining {
  /** Neighbours averaged per score: enough to smooth single wrong answers, few enough to stay local. */
  public static final int DEFAULT_K = 50;
  /**
   * The weight of a training prompt's source (its file: an MMLU subject) in its target; the rest is
   * the prompt's own gain. One prompt's gain is a noisy label (one multiple-choice answer each);
   * its source's mean gain is a steadier one, and the blend ranks held-out MMLU prompts better
   * than either alone (measured over three splits: 43% of calls to the strong model at 95% of its
   * accuracy, against 46% for the own gain alone and 46% for the source mean alone).
   */
  public static final double SOURCE_WEIGHT = 0.75;
  /** The share of the strong model's accuracy the default threshold aims to keep. */
  public static final double DEFAULT_QUALITY = 0.95;

  private RouterTraining() {}

  /** Reads labelled prompts (a RouteLLM CSV or a folder of them), embeds them with MiniLM and trains. */
  public static CascadeRouter trainFromFile(Path data, int k, long seed, Path cacheFile, PrintWriter progress) {
    List<LabelledPrompt> prompts = RoutingData.read(data);
    progress.printf("read %,d labelled prompts from %s%n", prompts.size(), data);
    progress.flush();
    List<float[]> vectors = PromptEmbedder.embedAll(prompts, cacheFile, progress);
    return train(MiniLm.NAME, prompts, vectors, k, seed);
  }

  public static CascadeRouter train(String embeddingModel, List<LabelledPrompt> prompts, List<float[]> vectors, int k,
      long seed) {
    if (prompts.size() != vectors.size()) throw new IllegalArgumentException("one vector per prompt is needed");
    if (prompts.size() < 8) throw new IllegalArgumentException("at least 8 labelled prompts are needed, got " + prompts.size());
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) order.add(i);
    java.util.Collections.shuffle(order, new Random(seed));
    int cut = prompts.size() * 3 / 4;
    List<Integer> fit = order.subList(0, cut);
    List<Integer> held = order.subList(cut, order.size());
    CascadeRouter partial = build(embeddingModel, prompts, vectors, fit, k, 0, null);
    List<LabelledPrompt> heldPrompts = new ArrayList<>();
    double[] heldScores = new double[held.size()];
    for (int j = 0; j < held.size(); j++) {
      heldPrompts.add(prompts.get(held.get(j)));
      heldScores[j] = partial.score(vectors.get(held.get(j)));
    }
    double threshold = PolicyCurve.of(heldPrompts, heldScores).lowestShareReaching(DEFAULT_QUALITY).threshold();
    ObjectNode trainedOn = JsonNodeFactory.instance.objectNode();
    trainedOn.put("prompts", prompts.size());
    trainedOn.put("cheap_accuracy", round(prompts.stream().filter(LabelledPrompt::cheapCorrect).count() / (double) prompts.size()));
    trainedOn.put("strong_accuracy", round(prompts.stream().filter(LabelledPrompt::strongCorrect).count() / (double) prompts.size()));
    List<Integer> all = new ArrayList<>(order);
    return build(embeddingModel, prompts, vectors, all, k, threshold, trainedOn);
  }

  /** Each prompt's target: {@value #SOURCE_WEIGHT} of its source's mean gain, the rest its own gain. */
  static float[] targets(List<LabelledPrompt> prompts) {
    java.util.Map<String, double[]> bySource = new java.util.HashMap<>(); // source -> {sum, count}
    for (LabelledPrompt p : prompts) {
      double[] acc = bySource.computeIfAbsent(p.source(), s -> new double[2]);
      acc[0] += p.gainFromStrong();
      acc[1]++;
    }
    float[] out = new float[prompts.size()];
    for (int i = 0; i < out.length; i++) {
      LabelledPrompt p = prompts.get(i);
      double[] acc = bySource.get(p.source());
      out[i] = (float) (SOURCE_WEIGHT * acc[0] / acc[1] + (1 - SOURCE_WEIGHT) * p.gainFromStrong());
    }
    return out;
  }

  /** A router over some of the prompts, whose targets are computed from those prompts alone. */
  private static CascadeRouter build(String embeddingModel, List<LabelledPrompt> prompts, List<float[]> vectors,
      List<Integer> rows, int k, double threshold, ObjectNode trainedOn) {
    return CascadeRouter.of(embeddingModel, rows.stream().map(vectors::get).toList(),
        targets(rows.stream().map(prompts::get).toList()), k, threshold, trainedOn);
  }

  private static double round(double x) {
    return Math.round(x * 10_000) / 10_000.0;
  }
}
