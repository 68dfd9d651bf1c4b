package dev.sluice.sim.profile;

/**
 * A benchmark workload, as published benchmarks describe theirs: request sizes and how requests
 * arrive.
 *
 * @param lengths {@code fixed}: every request has exactly {@code inputTokens} in and
 *     {@code outputTokens} out (TensorRT-LLM, vLLM "sonnet"); {@code sharegpt}: log-normal sizes
 *     with these means, filtered the way vLLM's benchmark filters ShareGPT
 * @param requests how many requests the run sends
 */
public record WorkloadSpec(Lengths lengths, int inputTokens, int outputTokens, Arrival arrival, int requests) {

  public enum Lengths { FIXED, SHAREGPT }

  /** How requests arrive. */
  public sealed interface Arrival {
    /** Poisson arrivals at {@code qps} requests per second (vLLM {@code --request-rate}). */
    record Poisson(double qps) implements Arrival {}

    /** Every request at once (vLLM {@code --request-rate inf}, TensorRT-LLM offline runs). */
    record Burst() implements Arrival {}

    /** {@code concurrency} clients, each sending its next request when the previous one ends. */
    record Closed(int concurrency) implements Arrival {}
  }

  public String describe() {
    String sizes = (lengths == Lengths.SHAREGPT ? "ShareGPT-like, mean " : "") + inputTokens + " in / " + outputTokens + " out";
    String arrives = switch (arrival) {
      case Arrival.Poisson p -> "Poisson " + trim(p.qps()) + " req/s";
      case Arrival.Burst b -> "all at once";
      case Arrival.Closed c -> "concurrency " + c.concurrency();
    };
    return sizes + ", " + arrives + ", " + requests + " requests";
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
