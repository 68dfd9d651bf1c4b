package dev.sluice.sim.calibrate;

import dev.sluice.sim.profile.CalibrationPoint;

/**
 * The figures of one benchmark run, defined as vLLM's {@code benchmark_serving.py} defines them:
 * duration from the first request sent to the last answer finished; throughputs over that
 * duration; TPOT of a request = (latency - TTFT) / (output tokens - 1), averaged over requests with
 * more than one output token.
 *
 * @param meanConcurrency requests in flight on average (sum of latencies / duration, Little's law)
 */
public record RunResult(int completed, int rejected, double durationSeconds, double requestThroughput,
    double outputThroughput, double inputThroughput, double meanTtftMs, double medianTtftMs, double p99TtftMs,
    double meanTpotMs, double meanLatencyMs, double meanConcurrency, long preemptions, double prefixHitRate) {

  /** This run's value of {@code measure}. */
  public double value(CalibrationPoint.Measure measure) {
    return switch (measure) {
      case REQUEST_THROUGHPUT -> requestThroughput;
      case OUTPUT_THROUGHPUT -> outputThroughput;
      case INPUT_THROUGHPUT -> inputThroughput;
      case MEAN_TTFT_MS -> meanTtftMs;
      case MEDIAN_TTFT_MS -> medianTtftMs;
      case MEAN_TPOT_MS -> meanTpotMs;
      case STREAM_TOKENS_PER_S -> meanTpotMs > 0 ? 1000.0 / meanTpotMs : 0;
    };
  }
}
