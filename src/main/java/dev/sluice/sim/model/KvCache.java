package dev.sluice.sim.model;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;

/**
 * The KV cache as a pool of fixed-size blocks with block-level prefix caching, after vLLM's block
 * manager.
 *
 * <p>Invariants: a block is in exactly one of three states. <em>In use</em>: held by at least one
 * running sequence ({@code refCount > 0}); a block holding a shared prefix may be held by several.
 * <em>Cached</em>: no holder, but its content (a full prompt block, identified by its chained hash)
 * is kept for reuse; cached blocks form an LRU list and are evicted, oldest first, when a fresh
 * block is needed. <em>Free</em>: no holder and no content. Usage counts in-use blocks only, as
 * vLLM's {@code gpu_cache_usage_perc} does.
 *
 * <p>Not thread-safe; owned by one {@link BatchingEngine}.
 */
final class KvCache {
  private final int blockTokens;
  private final int totalBlocks;
  private final boolean prefixCaching;
  private final int[] refCount;
  private final long[] blockHash;
  private final boolean[] hashed;
  private final HashMap<Long, Integer> byHash = new HashMap<>();
  private final LinkedHashSet<Integer> cached = new LinkedHashSet<>();
  private final int[] free;
  private int freeTop;
  private int inUse;

  KvCache(long capacityTokens, int blockTokens, boolean prefixCaching) {
    this.blockTokens = blockTokens;
    this.totalBlocks = (int) Math.min(Integer.MAX_VALUE - 8, capacityTokens / blockTokens);
    this.prefixCaching = prefixCaching;
    this.refCount = new int[totalBlocks];
    this.blockHash = new long[totalBlocks];
    this.hashed = new boolean[totalBlocks];
    this.free = new int[totalBlocks];
    for (int i = 0; i < totalBlocks; i++) free[i] = totalBlocks - 1 - i;
    this.freeTop = totalBlocks;
  }

  int blockTokens() {
    return blockTokens;
  }

  int totalBlocks() {
    return totalBlocks;
  }

  /** Blocks needed to hold {@code tokens} tokens. */
  int blocksFor(long tokens) {
    return (int) ((tokens + blockTokens - 1) / blockTokens);
  }

  /** In-use share of all blocks, 0 to 1. */
  double usage() {
    return totalBlocks == 0 ? 0 : (double) inUse / totalBlocks;
  }

  /** How many leading entries of {@code hashes} are cached or in use (0 when prefix caching is off). */
  int matchedBlocks(long[] hashes) {
    if (!prefixCaching) return 0;
    int n = 0;
    while (n < hashes.length && byHash.containsKey(hashes[n])) n++;
    return n;
  }

  /**
   * Whether a sequence reusing the first {@code reused} blocks of {@code hashes} and needing
   * {@code blocksNeeded} blocks in all can be admitted now.
   */
  boolean canAdmit(long[] hashes, int reused, int blocksNeeded) {
    int reclaimedFromCache = 0;
    for (int i = 0; i < reused; i++) {
      if (refCount[byHash.get(hashes[i])] == 0) reclaimedFromCache++;
    }
    return blocksNeeded - reused <= freeTop + cached.size() - reclaimedFromCache;
  }

  /** Gives {@code table} the first {@code reused} cached blocks of {@code hashes} plus fresh blocks up to {@code blocksNeeded}. Call only after {@link #canAdmit}. */
  void admit(BlockTable table, long[] hashes, int reused, int blocksNeeded) {
    for (int i = 0; i < reused; i++) {
      int b = byHash.get(hashes[i]);
      if (refCount[b]++ == 0) {
        cached.remove(b);
        inUse++;
      }
      table.add(b);
    }
    while (table.size() < blocksNeeded) table.add(takeFresh());
  }

  /** Grows {@code table} to {@code blocksNeeded} blocks; false, with the table unchanged beyond what fitted, when the cache is full. */
  boolean grow(BlockTable table, int blocksNeeded) {
    while (table.size() < blocksNeeded) {
      if (freeTop == 0 && cached.isEmpty()) return false;
      table.add(takeFresh());
    }
    return true;
  }

  /** Marks the first {@code hashes.length} blocks of {@code table} as holding those prompt blocks, so later prompts can reuse them. */
  void register(BlockTable table, long[] hashes) {
    if (!prefixCaching) return;
    int n = Math.min(hashes.length, table.size());
    for (int i = 0; i < n; i++) {
      int b = table.get(i);
      if (hashed[b] || byHash.containsKey(hashes[i])) continue;
      hashed[b] = true;
      blockHash[b] = hashes[i];
      byHash.put(hashes[i], b);
    }
  }

  /** Returns every block of {@code table}; blocks with content become cached (tail blocks first in line for eviction). */
  void release(BlockTable table) {
    for (int i = table.size() - 1; i >= 0; i--) {
      int b = table.get(i);
      if (--refCount[b] == 0) {
        inUse--;
        if (hashed[b]) {
          cached.add(b);
        } else {
          free[freeTop++] = b;
        }
      }
    }
    table.clear();
  }

  private int takeFresh() {
    int b;
    if (freeTop > 0) {
      b = free[--freeTop];
    } else {
      Iterator<Integer> oldest = cached.iterator();
      b = oldest.next();
      oldest.remove();
      byHash.remove(blockHash[b]);
      hashed[b] = false;
    }
    refCount[b] = 1;
    inUse++;
    return b;
  }

  /** The blocks one sequence holds, in token order. */
  static final class BlockTable {
    private int[] blocks = new int[8];
    private int size;

    int size() {
      return size;
    }

    int get(int i) {
      return blocks[i];
    }

    void add(int block) {
      if (size == blocks.length) blocks = java.util.Arrays.copyOf(blocks, size * 2);
      blocks[size++] = block;
    }

    void clear() {
      size = 0;
    }
  }
}
