package dev.sluice.sim.calibrate;

import dev.sluice.sim.profile.CalibrationPoint;
import dev.sluice.sim.profile.Profile;
import dev.sluice.sim.profile.WorkloadSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Compares a profile's emulated figures with the published figures it names, each under the
 * workload the figure was measured with. The table in {@code docs/emulator.md} is this class's
 * output, and a test requires every row to pass.
 */
public final class Faithfulness {
  private Faithfulness() {}

  /** The seed every faithfulness run uses, so the table is reproducible. */
  public static final long SEED = 42;

  /** One compared figure. */
  public record Row(String profile, CalibrationPoint point, double emulated) {
    /** (emulated - published) / published. */
    public double deviation() {
      return (emulated - point.published()) / point.published();
    }

    public boolean passes() {
      return point.passes(emulated);
    }
  }

  /** Every calibration point of {@code profile}, run in virtual time (runs sharing a workload are done once). */
  public static List<Row> check(Profile profile) {
    Map<WorkloadSpec, RunResult> runs = new HashMap<>();
    List<Row> rows = new ArrayList<>();
    for (CalibrationPoint p : profile.calibration()) {
      RunResult r = runs.computeIfAbsent(p.workload(), w -> WorkloadRunner.run(profile, w, SEED));
      rows.add(new Row(profile.name(), p, r.value(p.measure())));
    }
    return rows;
  }

  /** A Markdown table of {@code rows}. */
  public static String markdown(List<Row> rows) {
    StringBuilder sb = new StringBuilder();
    sb.append("| Profile | Row | Figure | Workload | Published | Emulated | Deviation | Check |\n");
    sb.append("|---|---|---|---|---:|---:|---:|---|\n");
    for (Row r : rows) {
      CalibrationPoint p = r.point();
      String check = switch (p.check()) {
        case WITHIN -> String.format(Locale.ROOT, "within %d%%", Math.round(p.tolerance() * 100));
        case AT_MOST -> "at most";
        case REFERENCE -> "reference";
      };
      sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %+.1f%% | %s %s |%n",
          r.profile(), p.row(), p.note().isEmpty() ? p.measure().unit() : p.note() + " (" + p.measure().unit() + ")",
          p.workload().describe(), number(p.published()), number(r.emulated()), r.deviation() * 100, check,
          p.check() == CalibrationPoint.Check.REFERENCE ? "(not fitted)" : r.passes() ? "✓" : "✗ FAILS"));
    }
    return sb.toString();
  }

  static String number(double v) {
    if (Math.abs(v) >= 100) return String.format(Locale.ROOT, "%,.0f", v);
    if (Math.abs(v) >= 10) return String.format(Locale.ROOT, "%.1f", v);
    return String.format(Locale.ROOT, "%.2f", v);
  }
}
