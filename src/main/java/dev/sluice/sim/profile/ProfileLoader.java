package dev.sluice.sim.profile;

import dev.sluice.sim.fault.FaultSpec;
import dev.sluice.sim.model.ApiSpec;
import dev.sluice.sim.model.BatchingSpec;
import dev.sluice.sim.model.StepCost;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Loads profiles: a shipped one by name ({@code h100-vllm-llama3-8b}, from
 * {@code src/main/resources/sim/profiles/}) or any file by path, so users can copy a shipped
 * profile and edit it. Parsing is strict (unknown keys are errors) and every number must cite its
 * source; a {@link ProfileException} lists every problem at once.
 */
public final class ProfileLoader {
  private ProfileLoader() {}

  /** The profiles shipped with Sluice, in listing order. */
  public static final List<String> SHIPPED = List.of(
      "h100-vllm-llama3-8b", "a100-vllm-llama3-8b", "l4-vllm-llama3-8b", "h100x4-vllm-llama3-70b",
      "cpu-llamacpp-llama3.2-3b", "edge-orin-llama3.2-1b", "api-frontier", "api-mini");

  private static final String RESOURCE_DIR = "sim/profiles/";

  /** A shipped profile by name, or a profile file by path. */
  public static Profile load(String nameOrPath) {
    String resource = RESOURCE_DIR + nameOrPath + ".yaml";
    try (InputStream in = ProfileLoader.class.getClassLoader().getResourceAsStream(resource)) {
      if (in != null) return parse("classpath:" + resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Path file = Path.of(nameOrPath);
    if (!Files.isRegularFile(file)) {
      throw new ProfileException(nameOrPath, List.of("no shipped profile has this name and no such file exists; shipped profiles: "
          + String.join(", ", SHIPPED) + " (or give the path of a profile YAML file)"));
    }
    try {
      return parse(file.toString(), Files.readString(file));
    } catch (IOException e) {
      throw new ProfileException(file.toString(), List.of("cannot read: " + e.getMessage()));
    }
  }

  /** Every shipped profile. */
  public static List<Profile> shipped() {
    return SHIPPED.stream().map(ProfileLoader::load).toList();
  }

  /** Parses profile YAML; {@code origin} names it in messages. */
  public static Profile parse(String origin, String yaml) {
    Object root;
    try {
      root = new Load(LoadSettings.builder().setLabel(origin).build()).loadFromString(yaml);
    } catch (YamlEngineException e) {
      throw new ProfileException(origin, List.of("not valid YAML: " + e.getMessage()));
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new ProfileException(origin, List.of("a profile must be a YAML mapping"));
    }
    List<String> problems = new ArrayList<>();
    List<Citation> citations = new ArrayList<>();
    ProfileYaml y = new ProfileYaml("", map, problems, citations);

    String name = y.string("name");
    String kind = y.choice("kind", "gpu", "gpu", "cpu", "edge", "api");
    String description = y.string("description", "");
    String hardware = y.string("hardware");
    String model = y.string("model");
    String engine = y.string("engine");
    String servedModel = y.string("served_model");
    boolean api = kind.equals("api");

    Pricing pricing = pricing(y.mapping("cost"), api);
    Profile.Performance performance = api ? new Profile.Performance.Api(apiSpec(y.mapping("api")))
        : new Profile.Performance.Batching(batchingSpec(y.mapping("batching")));
    ContentSpec content = content(y.mapping("content"));
    FaultSpec faults = y.has("faults") ? faults(y.mapping("faults")) : FaultSpec.NONE;
    List<String> fittedTo = List.of();
    List<CalibrationPoint> points = List.of();
    if (y.has("calibration")) {
      ProfileYaml c = y.mapping("calibration");
      fittedTo = c.strings("fitted_to");
      points = c.mappings("points").stream().map(ProfileLoader::point).toList();
      c.finish();
    }
    y.finish();
    if (!problems.isEmpty()) throw new ProfileException(origin, problems);
    return new Profile(name, kind, description, hardware, model, engine, servedModel, performance, pricing, content,
        faults, fittedTo, points, citations, origin);
  }

  private static Pricing pricing(ProfileYaml c, boolean api) {
    Pricing p;
    if (api) {
      p = new Pricing.PerToken(micro(c.cited("usd_per_mtok_input", 0, 1e4)), micro(c.cited("usd_per_mtok_cached_input", 0, 1e4)),
          micro(c.cited("usd_per_mtok_output", 0, 1e4)));
    } else {
      p = new Pricing.Hourly(micro(c.cited("usd_per_hour", 0, 1e5)));
    }
    c.finish();
    return p;
  }

  private static long micro(double usd) {
    return Double.isNaN(usd) ? 0 : Math.round(usd * 1e6);
  }

  private static BatchingSpec batchingSpec(ProfileYaml b) {
    String policy = b.choice("policy", "chunked", "prefill-first", "chunked");
    int maxNumSeqs = (int) b.cited("max_num_seqs", 1, 1 << 16);
    int maxBatched = (int) b.cited("max_batched_tokens", 1, 1 << 24);
    int maxModelLen = (int) b.cited("max_model_len", 2, 1 << 24);
    double kvTokens = b.cited("kv_cache_tokens", 16, 1e9);
    int blockTokens = (int) b.cited("block_tokens", 1, 4096);
    boolean prefixCaching = b.bool("prefix_caching", true);
    int schedulerSteps = b.has("scheduler_steps") ? (int) b.cited("scheduler_steps", 1, 1000) : 1;
    ProfileYaml s = b.mapping("step");
    double overhead = s.cited("overhead_ms", 0, 1e5);
    double perSeq = s.cited("per_seq_ms", 0, 1e5);
    double weights = s.cited("weights_read_ms", 0, 1e5);
    double kvRead = s.cited("kv_read_ms_per_1k_tokens", 0, 1e5);
    double compute = s.cited("compute_ms_per_token", 1e-9, 1e5);
    s.finish();
    b.finish();
    if (Double.isNaN(overhead + perSeq + weights + kvRead + compute + kvTokens)) return placeholderBatching();
    return new BatchingSpec(maxNumSeqs, maxBatched,
        policy.equals("prefill-first") ? BatchingSpec.SchedulingPolicy.PREFILL_FIRST : BatchingSpec.SchedulingPolicy.CHUNKED,
        new StepCost(overhead, perSeq, weights, kvRead, compute), (long) kvTokens, Math.max(1, blockTokens), prefixCaching,
        Math.max(2, maxModelLen), Math.max(1, schedulerSteps));
  }

  private static BatchingSpec placeholderBatching() {
    return new BatchingSpec(1, 1, BatchingSpec.SchedulingPolicy.CHUNKED, new StepCost(0, 0, 0, 0, 1), 16, 16, false, 2, 1);
  }

  private static ApiSpec apiSpec(ProfileYaml a) {
    double ttft = a.cited("ttft_median_ms", 1e-3, 1e7);
    double sigma = a.cited("ttft_sigma", 0, 5);
    double promptRate = a.cited("prompt_tokens_per_s", 0, 1e9);
    double speed = a.cited("output_tokens_per_s", 1e-3, 1e6);
    double rpm = a.cited("requests_per_minute", 0, 1e9);
    double tpm = a.cited("tokens_per_minute", 0, 1e12);
    double errors = a.cited("error_rate", 0, 1);
    double context = a.cited("max_context_tokens", 2, 1e8);
    ApiSpec.PromptCache cache = null;
    if (a.has("prompt_cache")) {
      ProfileYaml c = a.mapping("prompt_cache");
      double min = c.cited("min_tokens", 1, 1e8);
      double block = c.cited("block_tokens", 1, 1e6);
      double ttl = c.cited("ttl_seconds", 1e-3, 1e8);
      c.finish();
      if (!Double.isNaN(min + block + ttl)) cache = new ApiSpec.PromptCache((int) min, (int) block, ttl);
    }
    a.finish();
    if (Double.isNaN(ttft + sigma + promptRate + speed + rpm + tpm + errors + context)) {
      return new ApiSpec(1, 0, 0, 1, 0, 0, 0, 2, null);
    }
    return new ApiSpec(ttft, sigma, promptRate, speed, (long) rpm, (long) tpm, errors, (int) context, cache);
  }

  private static ContentSpec content(ProfileYaml c) {
    double median = c.cited("answer_median_tokens", 1, 1e6);
    double sigma = c.cited("answer_sigma", 0, 5);
    double dims = c.cited("embedding_dimensions", 1, 65536);
    c.finish();
    return new ContentSpec(Double.isNaN(median) ? 1 : median, Double.isNaN(sigma) ? 0 : sigma, Double.isNaN(dims) ? 1 : (int) dims);
  }

  /** Fault rates are settings for tests, not measurements, so they are plain numbers. */
  static FaultSpec faults(ProfileYaml f) {
    double e500 = f.number("server_error_rate", 0, 0, 1);
    double e429 = f.number("rate_limit_rate", 0, 0, 1);
    double hang = f.number("hang_rate", 0, 0, 1);
    double reset = f.number("reset_rate", 0, 0, 1);
    double malformed = f.number("malformed_rate", 0, 0, 1);
    double slow = f.number("slow_rate", 0, 0, 1);
    double slowDelay = f.number("slow_token_delay_ms", FaultSpec.NONE.slowTokenDelayMs(), 0, 1e7);
    int resetAfter = (int) f.number("reset_after_tokens", FaultSpec.NONE.resetAfterTokens(), 0, 1e7);
    double retryAfter = f.number("retry_after_seconds", FaultSpec.NONE.retryAfterSeconds(), 0, 1e6);
    List<FaultSpec.Outage> outages = new ArrayList<>();
    for (ProfileYaml o : f.mappings("outages")) {
      outages.add(new FaultSpec.Outage(o.number("start_s", 0, 0, 1e9), o.number("duration_s", 0, 0, 1e9),
          o.number("every_s", 0, 0, 1e9)));
      o.finish();
    }
    f.finish();
    double sum = e500 + e429 + hang + reset + malformed + slow;
    if (sum > 1) {
      f.problem("", "fault rates add up to " + sum + ", more than 1");
      return FaultSpec.NONE;
    }
    return new FaultSpec(e500, e429, hang, reset, malformed, slow, slowDelay, resetAfter, retryAfter, outages);
  }

  private static CalibrationPoint point(ProfileYaml p) {
    String row = p.string("row");
    String measureName = p.choice("measure", "output_throughput", "request_throughput", "output_throughput",
        "input_throughput", "mean_ttft_ms", "median_ttft_ms", "mean_tpot_ms", "stream_tokens_per_s");
    double published = p.number("published", Double.NaN, -1e12, 1e12);
    if (Double.isNaN(published)) p.problem("published", "missing: the published value of row " + row);
    String check = p.choice("check", "within", "within", "at_most", "reference");
    double tolerance = p.number("tolerance", 0.15, 0, 10);
    String note = p.string("note", "");
    WorkloadSpec workload = workload(p.mapping("workload"));
    p.finish();
    return new CalibrationPoint(row, CalibrationPoint.Measure.valueOf(measureName.toUpperCase()), published,
        CalibrationPoint.Check.valueOf(check.toUpperCase()), tolerance, workload, note);
  }

  private static WorkloadSpec workload(ProfileYaml w) {
    String lengths = w.choice("lengths", "fixed", "fixed", "sharegpt");
    int in = (int) w.number("input", 1, 1, 1e7);
    int out = (int) w.number("output", 1, 0, 1e7);
    int requests = (int) w.number("requests", 500, 1, 1e7);
    WorkloadSpec.Arrival arrival;
    if (w.has("qps")) {
      double qps = w.number("qps", 1, 1e-9, Double.POSITIVE_INFINITY);
      arrival = Double.isInfinite(qps) ? new WorkloadSpec.Arrival.Burst() : new WorkloadSpec.Arrival.Poisson(qps);
    } else if (w.has("concurrency")) {
      arrival = new WorkloadSpec.Arrival.Closed((int) w.number("concurrency", 1, 1, 1e6));
    } else {
      w.problem("qps", "a workload needs 'qps' (a number, or .inf for all at once) or 'concurrency'");
      arrival = new WorkloadSpec.Arrival.Burst();
    }
    w.finish();
    return new WorkloadSpec(lengths.equals("sharegpt") ? WorkloadSpec.Lengths.SHAREGPT : WorkloadSpec.Lengths.FIXED,
        in, out, arrival, requests);
  }
}
