package dev.sluice.cache;

/**
 * Whether the exact cache's memory bound ({@code cache_memory_mib}) leaves the JVM's heap room for
 * everything else. A decision without I/O.
 *
 * <p>Why: the stored answers live on the heap. A bound near the heap's size is not a problem until
 * the cache fills, hours into production; then the collector runs almost without pause and, once
 * the bound passes the heap, the process runs out of memory. Measured with the launcher's 384-MiB
 * heap and a full cache (docs/benchmarks.md, "Why the launcher keeps G1"): a 128-MiB bound served
 * 19,434 req/s with pauses under 18 ms, a 256-MiB bound 15,153 req/s with G1 marking continuously.
 * So a bound over {@value #TIGHT_PERCENT} % of the heap is worth a warning, and one over
 * {@value #TOO_LARGE_PERCENT} % is refused: it cannot work once the cache is full.
 */
public final class CacheMemoryFit {
  static final int TIGHT_PERCENT = 50;
  static final int TOO_LARGE_PERCENT = 75;

  private CacheMemoryFit() {}

  /** How a cache bound fits a heap; {@link Tight} and {@link TooLarge} say what to do. */
  public sealed interface Verdict {}

  /** The heap has room for a full cache and the rest of the gateway. */
  public record Fits() implements Verdict {}

  /** A full cache leaves the collector little room: the gateway works, more slowly. */
  public record Tight(String message) implements Verdict {}

  /** A full cache would take (nearly) the whole heap. */
  public record TooLarge(String message) implements Verdict {}

  /**
   * Judges a cache bound of {@code cacheBytes} against a heap of at most {@code maxHeapBytes}
   * ({@link Runtime#maxMemory()}; {@link Long#MAX_VALUE} when the heap has no limit).
   */
  public static Verdict judge(long cacheBytes, long maxHeapBytes) {
    if (maxHeapBytes == Long.MAX_VALUE || maxHeapBytes <= 0) return new Fits();
    // percent of the heap, rounded up, without overflow for any bound the config accepts (at most 2^40 bytes)
    long percent = (cacheBytes * 100 + maxHeapBytes - 1) / maxHeapBytes;
    if (percent <= TIGHT_PERCENT) return new Fits();
    String share = "cache_memory_mib (" + (cacheBytes >> 20) + " MiB) is " + percent + "% of the JVM's maximum heap ("
        + (maxHeapBytes >> 20) + " MiB)";
    long heapMib = suggestedHeapMib(cacheBytes);
    String remedy = "give the heap at least " + heapMib + " MiB (-Xmx" + heapMib
        + "m in SLUICE_JAVA_OPTS, which replaces the launcher's JVM options) or lower cache_memory_mib";
    if (percent > TOO_LARGE_PERCENT) {
      return new TooLarge(share + ": a full cache would leave the gateway no memory to work in; " + remedy);
    }
    return new Tight(share + ": a full cache leaves the collector little room and slows every call; " + remedy);
  }

  /** The smallest heap, in MiB, in which {@code cacheBytes} is at most {@value #TIGHT_PERCENT} %. */
  static long suggestedHeapMib(long cacheBytes) {
    long mib = (cacheBytes + (1 << 20) - 1) >> 20;
    return mib * 100 / TIGHT_PERCENT;
  }
}
