package dev.sluice.store;

import java.time.Instant;
import java.util.Map;

/** Usage records for tests: a served, priced 200 of tenant {@code acme} unless told otherwise. */
final class UsageRecords {
  private Instant time;
  private String requestId;
  private String tenant = "acme";
  private String keyId = "key_a1";
  private String feature;
  private String user;
  private String run;
  private Map<String, String> tags = Map.of();
  private String modelAsked = "gpt-4o";
  private String modelServed = "gpt-4o";
  private long inputTokens;
  private long outputTokens;
  private long costNanos;
  private long chargeNanos;
  private boolean priced = true;
  private int status = 200;
  private String errorCode;
  private String deployment = "openai-1";
  private String cacheStatus = "miss";
  private long latencyMicros = 1_500;
  private long ttftMicros = -1;

  private UsageRecords(String requestId, Instant time) {
    this.requestId = requestId;
    this.time = time;
  }

  static UsageRecords usage(String requestId, String time) {
    return new UsageRecords(requestId, Instant.parse(time));
  }

  static UsageRecords usage(String requestId, Instant time) {
    return new UsageRecords(requestId, time);
  }

  UsageRecords tenant(String tenant) {
    this.tenant = tenant;
    return this;
  }

  UsageRecords key(String keyId) {
    this.keyId = keyId;
    return this;
  }

  UsageRecords feature(String feature) {
    this.feature = feature;
    return this;
  }

  UsageRecords user(String user) {
    this.user = user;
    return this;
  }

  UsageRecords run(String run) {
    this.run = run;
    return this;
  }

  UsageRecords tags(Map<String, String> tags) {
    this.tags = tags;
    return this;
  }

  UsageRecords model(String model) {
    this.modelAsked = model;
    this.modelServed = model;
    return this;
  }

  /** Served by this deployment. */
  UsageRecords deployment(String deployment) {
    this.deployment = deployment;
    return this;
  }

  /** Took this long, and streamed its first chunk after {@code ttftMicros} (-1: not a stream). */
  UsageRecords latency(long micros, long ttftMicros) {
    this.latencyMicros = micros;
    this.ttftMicros = ttftMicros;
    return this;
  }

  UsageRecords cacheStatus(String cacheStatus) {
    this.cacheStatus = cacheStatus;
    return this;
  }

  /** Failed upstream after reaching the deployment. */
  UsageRecords failed(int status, String errorCode) {
    this.status = status;
    this.errorCode = errorCode;
    return this;
  }

  UsageRecords tokens(long input, long output) {
    this.inputTokens = input;
    this.outputTokens = output;
    return this;
  }

  UsageRecords cost(long costNanos, long chargeNanos) {
    this.costNanos = costNanos;
    this.chargeNanos = chargeNanos;
    return this;
  }

  /** Refused before any upstream was called: nothing served, nothing priced or charged. */
  UsageRecords refused(int status, String errorCode) {
    this.modelServed = null;
    this.priced = false;
    this.status = status;
    this.errorCode = errorCode;
    return this;
  }

  UsageRecord build() {
    return new UsageRecord(time, requestId, tenant, keyId, feature, user, run, tags, "chat", modelAsked, modelServed,
        modelServed == null ? null : deployment, modelServed == null ? null : "openai", "api", inputTokens, 0, 0,
        outputTokens, 0, costNanos, chargeNanos, priced, cacheStatus, 0, null, latencyMicros, ttftMicros, status, errorCode,
        errorCode == null ? null : "budget_exceeded", "[]");
  }
}
