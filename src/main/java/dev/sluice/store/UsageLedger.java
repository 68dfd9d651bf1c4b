package dev.sluice.store;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The usage ledger: one record per client request, written in groups, read as aggregates.
 *
 * <p>Durability contract: when the stage returned by {@link #append} completes, the record is
 * committed and survives a crash of the Sluice process. Concurrent appends share one commit.
 * Appending a request id that is already in the ledger succeeds and keeps the first record.
 */
public interface UsageLedger {

  /**
   * Queues a record; the stage completes once it is committed (or fails if it cannot be: at once
   * with {@link LedgerFullException} when more records wait than the ledger will queue).
   */
  CompletionStage<Void> append(UsageRecord record);

  /** Sums over records in [from, to), grouped as asked. */
  List<Row> aggregate(Query query);

  /** The records of one request id (the same request id is never written twice). */
  List<UsageRecord> byRequestId(String requestId);

  /** The records of one run of one tenant, oldest first. */
  List<UsageRecord> byRun(String tenant, String run);

  /** Total spend (charge) of matching records in [from, to); a null filter matches all. */
  long chargeNanos(String tenant, String keyId, String feature, String user, Instant from, Instant to);

  /**
   * Percentiles of latency and of time to first token over the calls a backend answered in
   * [from, to): records with a deployment and a status below 400, not answered from a cache.
   * Grouped and bucketed as {@link #aggregate} groups, in the same order; only groups with such
   * calls have a row.
   */
  List<LatencyRow> latency(Query query);

  /**
   * An aggregate query.
   *
   * @param groupBy any of {@code tenant, key, feature, user, run, model, deployment, pool, mechanism,
   *     status, error_code}; empty for one row of totals
   * @param granularity {@code minute}, {@code hour}, {@code day} or {@code null} for none
   * @param tenant only this tenant's records, or {@code null} for all
   * @param zone the time zone that day buckets follow
   */
  record Query(Instant from, Instant to, List<String> groupBy, String granularity, String tenant, ZoneId zone) {
    public Query {
      groupBy = List.copyOf(groupBy);
    }
  }

  /**
   * One aggregate row.
   *
   * @param groups the group-by values, in the order asked
   * @param time the bucket start, or {@code null} without granularity
   */
  record Row(Map<String, String> groups, Instant time, long requests, long inputTokens, long cachedInputTokens,
      long cacheWriteTokens, long outputTokens, long costNanos, long chargeNanos, long avoidedNanos,
      long unpricedRequests) {}

  /**
   * Nearest-rank percentiles of a set of durations, in microseconds.
   *
   * @param count how many durations there are; the percentiles are -1 when it is 0
   */
  record Percentiles(long count, long p50, long p90, long p99) {
    public static final Percentiles NONE = new Percentiles(0, -1, -1, -1);
  }

  /**
   * One row of {@link #latency}.
   *
   * @param latency from the request's arrival to its end
   * @param ttft to a stream's first chunk, over streamed calls only
   */
  record LatencyRow(Map<String, String> groups, Instant time, Percentiles latency, Percentiles ttft) {}
}
