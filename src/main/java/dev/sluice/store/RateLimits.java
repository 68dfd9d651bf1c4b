package dev.sluice.store;

import java.util.List;

/** Rate-limit definitions: requests and tokens per minute per key or tenant, optionally per model. */
public interface RateLimits {

  /**
   * A rate limit.
   *
   * @param scope {@code tenant} or {@code key}
   * @param target the key id for a key limit; {@code null} for a tenant limit
   * @param model the model it applies to, or {@code null} for all
   * @param rpm requests per minute, or 0 for no request limit
   * @param tpm tokens per minute, or 0 for no token limit
   */
  record RateLimit(String id, String scope, String tenant, String target, String model, long rpm, long tpm) {}

  void insert(RateLimit limit);

  List<RateLimit> list(String tenant);

  boolean delete(String id);
}
