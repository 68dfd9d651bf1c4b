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
  public static final int DEFAULT_K = 40;
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

  private static CascadeRouter build(String embeddingModel, List<LabelledPrompt> prompts, List<float[]> vectors,
      List<Integer> rows, int k, double threshold, ObjectNode trainedOn) {
    List<float[]> v = new ArrayList<>(rows.size());
    int[] gains = new int[rows.size()];
    for (int j = 0; j < rows.size(); j++) {
      v.add(vectors.get(rows.get(j)));
      gains[j] = prompts.get(rows.get(j)).gainFromStrong();
    }
    return CascadeRouter.of(embeddingModel, v, gains, k, threshold, trainedOn);
  }

  private static double round(double x) {
    return Math.round(x * 10_000) / 10_000.0;
  }
}
