package dev.sluice.runs.loop.eval;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Plays stuck and legitimate scenarios against a loop check and scores it: every stuck run must be
 * refused before K calls of its loop got through, no legitimate run may be refused.
 */
public final class LoopEval {

  /** The scenario files shipped in {@code src/main/resources/agents/}. */
  public static final List<String> SHIPPED = List.of("stuck.yaml", "legit.yaml");

  private LoopEval() {}

  /** How one scenario went. */
  public enum Verdict {
    /** A stuck run refused in time. */
    CAUGHT,
    /** A stuck run refused, but after more than K calls of its loop. */
    LATE,
    /** A stuck run never refused. */
    MISSED,
    /** A legitimate run that ran to its end. */
    PASSED,
    /** A legitimate run refused. */
    FALSE_ALARM
  }

  /**
   * @param loopCallsServed for a refused stuck run, the calls of its loop that got through before
   *     the refusal (refused call minus {@link Scenario#loopStartsAt()})
   */
  public record Row(Scenario scenario, AgentDriver.Run run, Verdict verdict, int loopCallsServed) {}

  /** Plays every scenario, each as its own run ({@code prefix + name}). */
  public static List<Row> play(List<Scenario> scenarios, AgentModel target, AgentDriver driver, int k, String prefix) {
    List<Row> rows = new ArrayList<>();
    for (Scenario s : scenarios) {
      AgentDriver.Run run = driver.play(s, prefix + s.name(), target);
      int served = run.refusedAt() == 0 ? 0 : run.refusedAt() - s.loopStartsAt();
      Verdict v;
      if (s.stuck()) v = run.refusedAt() == 0 ? Verdict.MISSED : served <= k ? Verdict.CAUGHT : Verdict.LATE;
      else v = run.refusedAt() == 0 ? Verdict.PASSED : Verdict.FALSE_ALARM;
      rows.add(new Row(s, run, v, served));
    }
    return rows;
  }

  /** The report: one line per scenario, then the totals. */
  public static String report(List<Row> rows, int k) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%-34s %-6s %-13s %-12s %-13s %5s %6s%n",
        "scenario", "expect", "pattern", "outcome", "found", "calls", "served"));
    for (Row r : rows) {
      out.append(String.format(Locale.ROOT, "%-34s %-6s %-13s %-12s %-13s %5d %6s%n",
          r.scenario().name(), r.scenario().stuck() ? "stuck" : "legit",
          r.scenario().stuck() ? r.scenario().pattern() : "-", r.verdict().name().toLowerCase(Locale.ROOT).replace('_', ' '),
          r.run().pattern() == null ? "-" : r.run().pattern(), r.run().calls(),
          r.run().refusedAt() > 0 && r.scenario().stuck() ? Integer.toString(r.loopCallsServed()) : "-"));
    }
    long stuck = rows.stream().filter(r -> r.scenario().stuck()).count();
    long caught = count(rows, Verdict.CAUGHT);
    long samePattern = rows.stream().filter(r -> r.verdict() == Verdict.CAUGHT
        && r.scenario().pattern().equals(r.run().pattern())).count();
    long legit = rows.size() - stuck;
    out.append(String.format(Locale.ROOT,
        "%nstuck: %d/%d caught within K=%d calls of their loop (%d with the expected pattern), %d late, %d missed%n"
            + "legit: %d/%d ran to the end, %d false alarms%n",
        caught, stuck, k, samePattern, count(rows, Verdict.LATE), count(rows, Verdict.MISSED),
        count(rows, Verdict.PASSED), legit, count(rows, Verdict.FALSE_ALARM)));
    return out.toString();
  }

  /** Whether every stuck run was caught in time and no legitimate one was refused. */
  public static boolean allGood(List<Row> rows) {
    return rows.stream().allMatch(r -> r.verdict() == Verdict.CAUGHT || r.verdict() == Verdict.PASSED);
  }

  private static long count(List<Row> rows, Verdict v) {
    return rows.stream().filter(r -> r.verdict() == v).count();
  }

  /** The shipped scenarios. */
  public static List<Scenario> shipped() {
    List<Scenario> out = new ArrayList<>();
    for (String name : SHIPPED) {
      try (InputStream in = LoopEval.class.getResourceAsStream("/agents/" + name)) {
        if (in == null) throw new IllegalStateException("agents/" + name + " is missing from the classpath");
        out.addAll(Scenario.parseAll(new String(in.readAllBytes(), StandardCharsets.UTF_8), "agents/" + name));
      } catch (IOException e) {
        throw new IllegalStateException("cannot read agents/" + name + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** Every {@code *.yaml} file of {@code dir}, in name order. */
  public static List<Scenario> load(Path dir) throws IOException {
    List<Scenario> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList()) {
        out.addAll(Scenario.parseAll(Files.readString(f), f.toString()));
      }
    }
    if (out.isEmpty()) throw new IOException(dir + " holds no scenario files (*.yaml)");
    return out;
  }
}
