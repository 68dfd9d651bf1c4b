package dev.sluice.cascade;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.meter.CostCalculator;
import dev.sluice.meter.Money;
import dev.sluice.meter.Price;
import dev.sluice.meter.PriceResolver;
import dev.sluice.meter.PriceTable;
import dev.sluice.meter.TokenEstimator;
import dev.sluice.meter.Usage;
import dev.sluice.provider.local.MiniLm;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * {@code sluice eval cascade}: compares routing policies on labelled prompts. Accuracy counts a
 * prompt as correct when the model it was sent to answered it correctly; cost prices each prompt's
 * tokens (the prompt as one user message, counted with {@code cl100k_base}, plus one output token:
 * MMLU answers are one letter) at the shipped price table's rates for the two models.
 */
public final class CascadeEvaluation {
  /** The price table entries for RouteLLM's two models. */
  public static final String STRONG_PRICE = "gpt-4-1106-preview";
  public static final String CHEAP_PRICE = "together_ai/mistralai/Mixtral-8x7B-Instruct-v0.1";

  /** The strong-call shares at which the trained router is shown, besides its default threshold. */
  private static final double[] SHARES = {0.10, 0.20, 0.30, 0.40, 0.50, 0.60};

  private CascadeEvaluation() {}

  /**
   * One row of the table.
   *
   * @param threshold the router threshold, or NaN for the fixed policies
   * @param correct prompts answered correctly (fractional for the random mix, an expectation)
   */
  public record Row(String policy, double threshold, double correct, double strongCalls, Money cost, int prompts,
      double strongAccuracy) {
    public double accuracy() {
      return correct / prompts;
    }

    public double quality() {
      return accuracy() / strongAccuracy;
    }

    public double strongShare() {
      return strongCalls / prompts;
    }
  }

  /**
   * What the evaluation found.
   *
   * @param best the router's point with the fewest strong calls that keeps 95% of the strong
   *     model's accuracy, read off the evaluated part's own curve (an upper bound on what a
   *     threshold chosen beforehand achieves)
   * @param atTargetShare the router with {@link #TARGET_SHARE} of calls sent to the strong model
   * @param atDefaultThreshold the router at the default threshold stored in it
   */
  public record Report(String description, List<Row> rows, PolicyCurve.Point best, double strongAccuracy,
      Row atTargetShare, Row atDefaultThreshold) {}

  /** The share of strong calls the cascade target allows at 95% of the strong model's accuracy. */
  public static final double TARGET_SHARE = 0.40;

  /** Reads the data, embeds it, trains (or loads) a router and evaluates it. */
  public static Report run(Path data, Path routerFile, double trainFraction, long seed, Path cacheFile,
      PrintWriter progress) {
    List<LabelledPrompt> prompts = read(data, progress);
    List<PromptEmbedder.PromptVectors> vectors = PromptEmbedder.embedAll(prompts, cacheFile, progress);
    if (routerFile == null) return split(data, prompts, vectors, trainFraction, seed, progress);
    CascadeRouter router = CascadeRouter.read(routerFile);
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) all.add(i);
    return evaluate("router " + routerFile + " on all " + prompts.size() + " prompts of " + data, prompts, vectors,
        all, router);
  }

  /**
   * Repeats the train/evaluate split {@code splits} times, with seeds {@code firstSeed},
   * {@code firstSeed + 1}...: one split's figures move by a point or two with the split alone, so
   * their mean is the steadier estimate. The prompts are read and embedded once.
   */
  public static List<Report> runSplits(Path data, double trainFraction, long firstSeed, int splits, Path cacheFile,
      PrintWriter progress) {
    if (splits < 1) throw new IllegalArgumentException("--splits must be at least 1, got " + splits);
    List<LabelledPrompt> prompts = read(data, progress);
    List<PromptEmbedder.PromptVectors> vectors = PromptEmbedder.embedAll(prompts, cacheFile, progress);
    List<Report> reports = new ArrayList<>();
    for (int k = 0; k < splits; k++) {
      progress.printf("split %d of %d (seed %d)%n", k + 1, splits, firstSeed + k);
      progress.flush();
      reports.add(split(data, prompts, vectors, trainFraction, firstSeed + k, progress));
    }
    return reports;
  }

  private static List<LabelledPrompt> read(Path data, PrintWriter progress) {
    List<LabelledPrompt> prompts = RoutingData.read(data);
    progress.printf("read %,d labelled prompts from %s%n", prompts.size(), data);
    progress.flush();
    return prompts;
  }

  /** Trains on a {@code trainFraction} of the prompts shuffled by {@code seed} and evaluates on the rest. */
  private static Report split(Path data, List<LabelledPrompt> prompts, List<PromptEmbedder.PromptVectors> vectors,
      double trainFraction, long seed, PrintWriter progress) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) order.add(i);
    Collections.shuffle(order, new Random(seed));
    int cut = (int) Math.round(prompts.size() * trainFraction);
    List<Integer> train = order.subList(0, cut);
    List<Integer> test = order.subList(cut, order.size());
    progress.printf("training on %,d prompts, evaluating on the other %,d%n", train.size(), test.size());
    progress.flush();
    CascadeRouter router = RouterTraining.train(MiniLm.NAME, train.stream().map(prompts::get).toList(),
        train.stream().map(vectors::get).toList(), seed, progress);
    return evaluate("router trained on " + train.size() + " prompts (seed " + seed + "), evaluated on the other "
        + test.size() + " of " + data, prompts, vectors, test, router);
  }

  private static Report evaluate(String description, List<LabelledPrompt> prompts,
      List<PromptEmbedder.PromptVectors> vectors, List<Integer> test, CascadeRouter router) {
    List<LabelledPrompt> evaluated = test.stream().map(prompts::get).toList();
    double[] scores = new double[test.size()];
    for (int j = 0; j < test.size(); j++) {
      PromptEmbedder.PromptVectors v = vectors.get(test.get(j));
      scores[j] = router.score(evaluated.get(j).prompt(), v.opening(), v.ending());
    }
    return evaluate(description, evaluated, scores, router.defaultThreshold(), costs(evaluated));
  }

  /** Per prompt: its cost on the cheap model and on the strong one. */
  record PromptCosts(Money[] cheap, Money[] strong) {}

  static PromptCosts costs(List<LabelledPrompt> prompts) {
    PriceTable table = PriceTable.shipped();
    var strongPrice = table.get(STRONG_PRICE).orElseThrow().price();
    var cheapPrice = table.get(CHEAP_PRICE).orElseThrow().price();
    TokenEstimator tokens = new TokenEstimator(PriceResolver.shipped());
    Money[] cheap = new Money[prompts.size()];
    Money[] strong = new Money[prompts.size()];
    for (int i = 0; i < prompts.size(); i++) {
      ObjectNode request = JsonNodeFactory.instance.objectNode();
      request.putArray("messages").addObject().put("role", "user").put("content", prompts.get(i).prompt());
      Usage usage = Usage.of(tokens.promptTokens(request, STRONG_PRICE), 1);
      cheap[i] = CostCalculator.priced(usage, cheapPrice, false, Price.Source.TABLE).total();
      strong[i] = CostCalculator.priced(usage, strongPrice, false, Price.Source.TABLE).total();
    }
    return new PromptCosts(cheap, strong);
  }

  static Report evaluate(String description, List<LabelledPrompt> prompts, double[] scores, double defaultThreshold,
      PromptCosts costs) {
    int n = prompts.size();
    PolicyCurve curve = PolicyCurve.of(prompts, scores);
    double strongAcc = curve.strongAccuracy();
    Money allCheap = Money.ZERO;
    Money allStrong = Money.ZERO;
    int cheapCorrect = 0;
    int strongCorrect = 0;
    int oracleStrong = 0;
    int oracleCorrect = 0;
    Money oracleCost = Money.ZERO;
    for (int i = 0; i < n; i++) {
      LabelledPrompt p = prompts.get(i);
      allCheap = allCheap.plus(costs.cheap()[i]);
      allStrong = allStrong.plus(costs.strong()[i]);
      if (p.cheapCorrect()) cheapCorrect++;
      if (p.strongCorrect()) strongCorrect++;
      if (p.needsStrong()) {
        oracleStrong++;
        oracleCost = oracleCost.plus(costs.strong()[i]);
      } else {
        oracleCost = oracleCost.plus(costs.cheap()[i]);
      }
      if (p.cheapCorrect() || p.strongCorrect()) oracleCorrect++;
    }
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("always strong", Double.NaN, strongCorrect, n, allStrong, n, strongAcc));
    rows.add(new Row("always cheap", Double.NaN, cheapCorrect, 0, allCheap, n, strongAcc));
    Row atDefault = routerRow("router, default threshold", curve.at(defaultThreshold), prompts, scores, costs, strongAcc);
    // A random mix costing what the router costs at its default threshold (an expectation, not a draw).
    long span = allStrong.nanos() - allCheap.nanos();
    double share = span <= 0 ? 0 : Math.clamp((atDefault.cost().nanos() - allCheap.nanos()) / (double) span, 0, 1);
    rows.add(new Row("random mix, same cost", Double.NaN, cheapCorrect + share * (strongCorrect - cheapCorrect),
        share * n, atDefault.cost(), n, strongAcc));
    Row atTarget = null;
    for (double s : SHARES) {
      Row row = routerRow("router", curve.atShare(s), prompts, scores, costs, strongAcc);
      if (s == TARGET_SHARE) atTarget = row;
      rows.add(row);
    }
    rows.add(atDefault);
    rows.add(new Row("oracle", Double.NaN, oracleCorrect, oracleStrong, oracleCost, n, strongAcc));
    return new Report(description, rows, curve.lowestShareReaching(RouterTraining.DEFAULT_QUALITY), strongAcc,
        atTarget, atDefault);
  }

  private static Row routerRow(String name, PolicyCurve.Point p, List<LabelledPrompt> prompts, double[] scores,
      PromptCosts costs, double strongAcc) {
    Money cost = Money.ZERO;
    for (int i = 0; i < prompts.size(); i++) {
      cost = cost.plus(scores[i] >= p.threshold() ? costs.strong()[i] : costs.cheap()[i]);
    }
    return new Row(name, p.threshold(), p.correct(), p.strongCalls(), cost, p.prompts(), strongAcc);
  }
}
