package dev.sluice.cli;

import dev.sluice.cache.CacheMemoryFit;
import dev.sluice.config.ConfigException;
import dev.sluice.config.GatewayConfig;
import java.util.List;
import java.util.function.Consumer;

/**
 * The check that {@code serve} and {@code check-config} make of a config against this JVM's heap:
 * a cache bound the heap cannot hold once the cache is full is a config problem, a tight one a
 * warning (see {@link CacheMemoryFit}). Both commands run under the launcher's JVM options, so
 * {@code check-config} judges the heap {@code serve} would have.
 */
final class CacheHeapCheck {
  private CacheHeapCheck() {}

  /** Throws {@link ConfigException} for a bound that cannot work; passes a tight bound's warning to {@code warn}. */
  static GatewayConfig require(GatewayConfig c, Consumer<String> warn) {
    switch (CacheMemoryFit.judge(c.cache().memoryBytes(), Runtime.getRuntime().maxMemory())) {
      case CacheMemoryFit.TooLarge t -> throw new ConfigException(c.source(), List.of(t.message()));
      case CacheMemoryFit.Tight t -> warn.accept(t.message());
      case CacheMemoryFit.Fits f -> { }
    }
    return c;
  }
}
