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
   * An aggregate query.
   *
   * @param groupBy any of {@code tenant, key, feature, user, run, model, deployment, pool, mechanism,
   *     status}; empty for one row of totals
   * @param granularity {@code hour}, {@code day} or {@code null} for none
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
}
