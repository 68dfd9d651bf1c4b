package dev.sluice.store;

import java.time.Instant;
import java.util.Map;

/**
 * One client request in the ledger, refused ones included. Amounts are nano-dollars.
 *
 * @param modelAsked the model the client named
 * @param modelServed the model entry that answered (after fallbacks and cascades), or {@code null}
 * @param deployment the deployment that answered, or {@code null}
 * @param inputTokens uncached input tokens
 * @param cachedInputTokens input tokens read from the provider's prompt cache
 * @param cacheWriteTokens input tokens written to the provider's prompt cache
 * @param outputTokens output tokens, reasoning included
 * @param reasoningTokens the reasoning part of {@code outputTokens}
 * @param costNanos what the upstream charges Sluice's operator
 * @param chargeNanos what the tenant is charged, from its plan
 * @param priced false when no price was known for the model (the cost is then 0 and flagged)
 * @param cacheStatus {@code miss}, {@code hit}, {@code semantic}, {@code joined} or {@code off}
 * @param avoidedNanos the cost a cache hit or a refusal avoided
 * @param mechanism what avoided it ({@code exact}, {@code semantic}, {@code joined}, {@code cascade},
 *     {@code run_guard}), or {@code null}
 * @param ttftMicros time to first token of a stream, or -1
 * @param status the HTTP status the client got
 * @param errorCode the OpenAI error code the client got, or {@code null}
 * @param errorClass the kind of failure ({@code upstream_timeout}, {@code budget_exceeded}...), or {@code null}
 * @param attempts the upstream attempts, as JSON text (deployment, status, latency, error of each)
 */
public record UsageRecord(
    Instant time,
    String requestId,
    String tenant,
    String keyId,
    String feature,
    String user,
    String run,
    Map<String, String> tags,
    String operation,
    String modelAsked,
    String modelServed,
    String deployment,
    String provider,
    String pool,
    long inputTokens,
    long cachedInputTokens,
    long cacheWriteTokens,
    long outputTokens,
    long reasoningTokens,
    long costNanos,
    long chargeNanos,
    boolean priced,
    String cacheStatus,
    long avoidedNanos,
    String mechanism,
    long latencyMicros,
    long ttftMicros,
    int status,
    String errorCode,
    String errorClass,
    String attempts) {
  public UsageRecord {
    tags = Map.copyOf(tags);
  }
}
