package dev.sluice.cascade;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The cost-quality curve of a scored router on labelled prompts: for every threshold that makes a
 * difference (each distinct score), how many prompts it sends to the strong model and how many it
 * answers correctly. Pure.
 */
public final class PolicyCurve {

  /**
   * One operating point: prompts scoring at or above {@code threshold} go to the strong model.
   *
   * @param strongCalls prompts sent to the strong model
   * @param correct prompts answered correctly by the model they were sent to
   */
  public record Point(double threshold, int strongCalls, int correct, int prompts) {
    public double strongShare() {
      return prompts == 0 ? 0 : (double) strongCalls / prompts;
    }

    public double accuracy() {
      return prompts == 0 ? 0 : (double) correct / prompts;
    }
  }

  private final List<Point> points;
  private final int strongCorrect;
  private final int prompts;

  private PolicyCurve(List<Point> points, int strongCorrect, int prompts) {
    this.points = points;
    this.strongCorrect = strongCorrect;
    this.prompts = prompts;
  }

  public static PolicyCurve of(List<LabelledPrompt> prompts, double[] scores) {
    int n = prompts.size();
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) order[i] = i;
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> scores[i]).reversed());
    int correct = 0;
    int strongCorrect = 0;
    for (LabelledPrompt p : prompts) {
      if (p.cheapCorrect()) correct++;
      if (p.strongCorrect()) strongCorrect++;
    }
    List<Point> points = new ArrayList<>();
    points.add(new Point(Double.POSITIVE_INFINITY, 0, correct, n));
    for (int j = 0; j < n; j++) {
      correct += prompts.get(order[j]).gainFromStrong();
      boolean lastOfTie = j == n - 1 || scores[order[j + 1]] != scores[order[j]];
      if (lastOfTie) points.add(new Point(scores[order[j]], j + 1, correct, n));
    }
    return new PolicyCurve(List.copyOf(points), strongCorrect, n);
  }

  /** Every operating point, from no strong call to all. */
  public List<Point> points() {
    return points;
  }

  /** The strong model's accuracy on these prompts. */
  public double strongAccuracy() {
    return prompts == 0 ? 0 : (double) strongCorrect / prompts;
  }

  /** The point of a given threshold. */
  public Point at(double threshold) {
    Point best = points.getFirst();
    for (Point p : points) {
      if (p.threshold() >= threshold) best = p;
    }
    return best;
  }

  /**
   * The point with the fewest strong calls whose accuracy reaches {@code quality} times the strong
   * model's; all prompts to the strong model when none does.
   */
  public Point lowestShareReaching(double quality) {
    for (Point p : points) {
      if (p.correct() >= quality * strongCorrect) return p;
    }
    return points.getLast();
  }

  /** The point whose strong share is closest to {@code share} without exceeding it. */
  public Point atShare(double share) {
    Point best = points.getFirst();
    for (Point p : points) {
      if (p.strongShare() <= share + 1e-12) best = p;
    }
    return best;
  }
}
