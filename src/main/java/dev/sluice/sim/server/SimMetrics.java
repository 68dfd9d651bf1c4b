package dev.sluice.sim.server;

import dev.sluice.sim.model.EngineStats;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The emulated server's Prometheus metrics, named as vLLM names them so that a router reading
 * vLLM's {@code /metrics} reads the emulator the same way: requests running and waiting, KV-cache
 * usage (both the V0 name {@code vllm:gpu_cache_usage_perc} and the V1 name
 * {@code vllm:kv_cache_usage_perc}), prefix-cache hit rate and counters, and histograms of time to
 * first token, time per output token, end-to-end latency and queue time with vLLM's buckets. Times
 * are emulated seconds. Emulator-only series start with {@code sluice_sim_}.
 *
 * <p>Not thread-safe: updated and rendered on the server's event loop.
 */
final class SimMetrics {
  private static final double[] TTFT_BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0,
      2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
  private static final double[] TPOT_BUCKETS = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0,
      2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0};
  private static final double[] LATENCY_BUCKETS = {0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0,
      50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};

  private final String model;
  final Histogram ttft = new Histogram(TTFT_BUCKETS);
  final Histogram tpot = new Histogram(TPOT_BUCKETS);
  final Histogram e2e = new Histogram(LATENCY_BUCKETS);
  final Histogram queue = new Histogram(LATENCY_BUCKETS);
  private final Map<String, Long> success = new TreeMap<>();
  private final Map<String, Long> faults = new TreeMap<>();
  private final Map<String, Long> rejections = new TreeMap<>();
  private long costNanoUsd;

  SimMetrics(String model) {
    this.model = model;
  }

  void finished(String reason) {
    success.merge(reason, 1L, Long::sum);
  }

  void fault(String kind) {
    faults.merge(kind, 1L, Long::sum);
  }

  void rejected(String reason) {
    rejections.merge(reason, 1L, Long::sum);
  }

  void cost(long nanoUsd) {
    costNanoUsd += nanoUsd;
  }

  /** The exposition text, with gauges taken from {@code stats}; {@code hourlyNanoUsd} is the hardware cost so far (0 for an API). */
  String render(EngineStats stats, long hourlyNanoUsd) {
    StringBuilder sb = new StringBuilder(8192);
    String l = "{model_name=\"" + model + "\"}";
    gauge(sb, "vllm:num_requests_running", "Number of requests currently running on GPU.", l, stats.running());
    gauge(sb, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", l, stats.waiting());
    gauge(sb, "vllm:gpu_cache_usage_perc", "GPU KV-cache usage. 1 means 100 percent usage.", l, stats.kvCacheUsage());
    gauge(sb, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", l, stats.kvCacheUsage());
    gauge(sb, "vllm:gpu_prefix_cache_hit_rate", "GPU prefix cache block hit rate.", l, stats.prefixHitRate());
    counter(sb, "vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens.", l, stats.prefixQueriedTokens());
    counter(sb, "vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.", l, stats.prefixHitTokens());
    counter(sb, "vllm:num_preemptions_total", "Cumulative number of preemption from the engine.", l, stats.preemptions());
    counter(sb, "vllm:prompt_tokens_total", "Number of prefill tokens processed.", l, stats.promptTokens());
    counter(sb, "vllm:generation_tokens_total", "Number of generation tokens processed.", l, stats.generationTokens());
    sb.append("# HELP vllm:request_success_total Count of successfully processed requests.\n");
    sb.append("# TYPE vllm:request_success_total counter\n");
    for (var e : success.entrySet()) {
      sb.append("vllm:request_success_total{finished_reason=\"").append(e.getKey()).append("\",model_name=\"")
          .append(model).append("\"} ").append(e.getValue()).append('\n');
    }
    ttft.render(sb, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", model);
    tpot.render(sb, "vllm:time_per_output_token_seconds", "Histogram of time per output token in seconds.", model);
    e2e.render(sb, "vllm:e2e_request_latency_seconds", "Histogram of end to end request latency in seconds.", model);
    queue.render(sb, "vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", model);
    labelled(sb, "sluice_sim_faults_injected_total", "Faults the emulator injected, by kind.", "fault", faults);
    labelled(sb, "sluice_sim_requests_rejected_total", "Requests the performance model refused, by reason.", "reason", rejections);
    gauge(sb, "sluice_sim_cost_usd_total", "Emulated spend so far: tokens at API prices, or hardware hours at the hourly price.",
        l, (costNanoUsd + hourlyNanoUsd) / 1e9);
    return sb.toString();
  }

  private void labelled(StringBuilder sb, String name, String help, String label, Map<String, Long> values) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(" counter\n");
    for (var e : values.entrySet()) {
      sb.append(name).append('{').append(label).append("=\"").append(e.getKey()).append("\",model_name=\"").append(model)
          .append("\"} ").append(e.getValue()).append('\n');
    }
  }

  private static void gauge(StringBuilder sb, String name, String help, String labels, double v) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(" gauge\n");
    sb.append(name).append(labels).append(' ').append(number(v)).append('\n');
  }

  private static void counter(StringBuilder sb, String name, String help, String labels, long v) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(" counter\n");
    sb.append(name).append(labels).append(' ').append(v).append('\n');
  }

  static String number(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
    return String.format(Locale.ROOT, "%.9g", v).replaceFirst("0+$", "").replaceFirst("\\.$", "");
  }

  /** A Prometheus histogram with fixed buckets. */
  static final class Histogram {
    private final double[] bounds;
    private final long[] counts;
    private long count;
    private double sum;

    Histogram(double[] bounds) {
      this.bounds = bounds;
      this.counts = new long[bounds.length];
    }

    void observe(double seconds) {
      count++;
      sum += seconds;
      for (int i = 0; i < bounds.length; i++) {
        if (seconds <= bounds[i]) {
          counts[i]++;
          break;
        }
      }
    }

    long count() {
      return count;
    }

    void render(StringBuilder sb, String name, String help, String model) {
      sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
      sb.append("# TYPE ").append(name).append(" histogram\n");
      long cumulative = 0;
      for (int i = 0; i < bounds.length; i++) {
        cumulative += counts[i];
        sb.append(name).append("_bucket{le=\"").append(number(bounds[i])).append("\",model_name=\"").append(model)
            .append("\"} ").append(cumulative).append('\n');
      }
      sb.append(name).append("_bucket{le=\"+Inf\",model_name=\"").append(model).append("\"} ").append(count).append('\n');
      sb.append(name).append("_sum{model_name=\"").append(model).append("\"} ").append(number(sum)).append('\n');
      sb.append(name).append("_count{model_name=\"").append(model).append("\"} ").append(count).append('\n');
    }
  }
}
