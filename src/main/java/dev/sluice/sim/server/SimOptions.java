package dev.sluice.sim.server;

import dev.sluice.sim.content.Dataset;
import dev.sluice.sim.fault.FaultSpec;

/**
 * How to run one emulated server.
 *
 * @param host address to listen on
 * @param port port to listen on; 0 picks a free one
 * @param seed fixes generated text, fault draws and API timing draws
 * @param speedup emulated time runs this many times faster than the wall clock (1 = real time)
 * @param dataset recorded answers to serve instead of generated text, or {@code null}
 * @param faults injected faults replacing the profile's, or {@code null} to keep them
 */
public record SimOptions(String host, int port, long seed, double speedup, Dataset dataset, FaultSpec faults) {

  public SimOptions {
    if (!(speedup > 0)) throw new IllegalArgumentException("speedup must be positive, got " + speedup);
  }

  /** Loopback, a free port, seed 42, real time, generated text, the profile's faults. */
  public static SimOptions defaults() {
    return new SimOptions("127.0.0.1", 0, 42, 1, null, null);
  }

  public SimOptions withPort(int port) {
    return new SimOptions(host, port, seed, speedup, dataset, faults);
  }

  public SimOptions withSpeedup(double speedup) {
    return new SimOptions(host, port, seed, speedup, dataset, faults);
  }

  public SimOptions withSeed(long seed) {
    return new SimOptions(host, port, seed, speedup, dataset, faults);
  }

  public SimOptions withDataset(Dataset dataset) {
    return new SimOptions(host, port, seed, speedup, dataset, faults);
  }

  public SimOptions withFaults(FaultSpec faults) {
    return new SimOptions(host, port, seed, speedup, dataset, faults);
  }
}
