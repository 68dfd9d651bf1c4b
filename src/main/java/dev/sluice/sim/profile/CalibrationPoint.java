package dev.sluice.sim.profile;

/**
 * A published figure a profile is fitted to or checked against, and the workload that reproduces
 * the conditions it was measured under.
 *
 * @param row the calibration row id (shared/data/perf/calibration.csv)
 * @param measure what is compared
 * @param published the published value, in the measure's unit
 * @param check how emulated and published must relate
 * @param tolerance allowed relative deviation (0.15 = 15%)
 * @param note what the row measured, for the faithfulness table
 */
public record CalibrationPoint(String row, Measure measure, double published, Check check, double tolerance,
    WorkloadSpec workload, String note) {

  /** A benchmark figure, defined as vLLM's {@code benchmark_serving.py} defines it. */
  public enum Measure {
    REQUEST_THROUGHPUT("req/s"),
    OUTPUT_THROUGHPUT("output tok/s"),
    INPUT_THROUGHPUT("input tok/s"),
    MEAN_TTFT_MS("ms TTFT"),
    MEDIAN_TTFT_MS("ms median TTFT"),
    MEAN_TPOT_MS("ms TPOT"),
    /** Output tokens per second of one stream: 1000 / mean TPOT. */
    STREAM_TOKENS_PER_S("tok/s per stream");

    private final String unit;

    Measure(String unit) {
      this.unit = unit;
    }

    public String unit() {
      return unit;
    }
  }

  public enum Check {
    /** |emulated - published| / published <= tolerance. */
    WITHIN,
    /** emulated <= published (a physical bound or an upper estimate). */
    AT_MOST,
    /**
     * Shown for comparison, not fitted and never failing: a published figure the model is known
     * not to reproduce, kept in the table so the gap stays visible (docs/emulator.md says why).
     */
    REFERENCE
  }

  /** Whether {@code emulated} passes this point's check. */
  public boolean passes(double emulated) {
    return switch (check) {
      case WITHIN -> Math.abs(emulated - published) <= tolerance * Math.abs(published);
      case AT_MOST -> emulated <= published;
      case REFERENCE -> true;
    };
  }
}
