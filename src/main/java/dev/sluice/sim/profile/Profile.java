package dev.sluice.sim.profile;

import dev.sluice.sim.fault.FaultSpec;
import dev.sluice.sim.model.ApiEngine;
import dev.sluice.sim.model.ApiSpec;
import dev.sluice.sim.model.BatchingEngine;
import dev.sluice.sim.model.BatchingSpec;
import dev.sluice.sim.model.Engine;
import dev.sluice.sim.model.Scheduler;
import java.util.List;

/**
 * An emulated backend: hardware and model, performance model, price, answer content, injected
 * faults, and the published figures it is calibrated on. Immutable; loaded from a YAML file by
 * {@link ProfileLoader}.
 *
 * @param name the profile's name ({@code h100-vllm-llama3-8b})
 * @param kind {@code gpu}, {@code cpu}, {@code edge} or {@code api}
 * @param servedModel the model id {@code /v1/models} lists and requests name
 * @param fittedTo calibration row ids the performance parameters were fitted to
 * @param citations every number of the file with its source, in file order
 * @param origin where the profile was loaded from (a classpath resource or a file)
 */
public record Profile(String name, String kind, String description, String hardware, String model, String engine,
    String servedModel, Performance performance, Pricing pricing, ContentSpec content, FaultSpec faults,
    List<String> fittedTo, List<CalibrationPoint> calibration, List<Citation> citations, String origin) {

  public Profile {
    fittedTo = List.copyOf(fittedTo);
    calibration = List.copyOf(calibration);
    citations = List.copyOf(citations);
  }

  /** How the backend's timing is modelled. */
  public sealed interface Performance {
    /** A server we run: continuous batching over a KV cache (GPU, CPU and edge profiles). */
    record Batching(BatchingSpec spec) implements Performance {}

    /** A cloud API seen from outside. */
    record Api(ApiSpec spec) implements Performance {}
  }

  /** A fresh engine for this profile, driven by {@code scheduler}; {@code seed} fixes its random draws. */
  public Engine newEngine(Scheduler scheduler, long seed) {
    return switch (performance) {
      case Performance.Batching b -> new BatchingEngine(b.spec(), scheduler);
      case Performance.Api a -> new ApiEngine(a.spec(), scheduler, seed);
    };
  }

  /** The block size prompt prefixes must be hashed with for this profile's prefix (or prompt) cache; 0 when it has none. */
  public int prefixBlockTokens() {
    return switch (performance) {
      case Performance.Batching b -> b.spec().prefixCaching() ? b.spec().blockTokens() : 0;
      case Performance.Api a -> a.spec().promptCache() == null ? 0 : a.spec().promptCache().blockTokens();
    };
  }

  /** The most tokens (prompt plus output) one request may have. */
  public int maxContextTokens() {
    return switch (performance) {
      case Performance.Batching b -> b.spec().maxModelLen();
      case Performance.Api a -> a.spec().maxContextTokens();
    };
  }

  /** The same profile with other injected faults (from the command line or a test). */
  public Profile withFaults(FaultSpec faults) {
    return new Profile(name, kind, description, hardware, model, engine, servedModel, performance, pricing, content,
        faults, fittedTo, calibration, citations, origin);
  }

  /** The same profile with another performance model (tests and what-if variants). */
  public Profile withPerformance(Performance performance) {
    return new Profile(name, kind, description, hardware, model, engine, servedModel, performance, pricing, content,
        faults, fittedTo, calibration, citations, origin);
  }
}
