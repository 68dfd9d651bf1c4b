package dev.sluice.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.auth.KeyDirectory;
import dev.sluice.config.GatewayConfig;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import dev.sluice.pipeline.Principal;
import dev.sluice.runs.RunPolicies;
import dev.sluice.runs.RunPolicy;
import dev.sluice.runs.RunTracker;
import dev.sluice.store.ApiKeys;
import dev.sluice.store.Runs;
import dev.sluice.store.Store;
import dev.sluice.store.UsageRecord;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Agent runs through HTTP: the explanation of one run (its calls in order with their model,
 * tokens, cost, cache status, latency and verdicts, and totals that are the sums of its ledger
 * records), the kill switch, and each tenant's and key's run policy. Blocking; the edge runs it on
 * a worker thread after checking who is asking.
 */
final class RunReports {
  private final Store store;
  private final RunTracker tracker;
  private final RunPolicies policies;
  private final GatewayConfig config;
  private final InstantSource clock;

  RunReports(Store store, RunTracker tracker, RunPolicies policies, GatewayConfig config, InstantSource clock) {
    this.store = store;
    this.tracker = tracker;
    this.policies = policies;
    this.config = config;
    this.clock = clock;
  }

  /** {@code ?tenant=}, the built-in tenant {@code default} when absent. */
  static String tenant(String param) {
    return param == null ? Principal.DEFAULT_TENANT : param;
  }

  /** {@code POST /admin/runs/{id}/stop}: refuses every later call of the run and ends its open streams. */
  ObjectNode stop(String tenant, String id) {
    Runs.Run run = tracker.stop(tenant, id);
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("tenant", run.tenant());
    o.put("run", run.id());
    o.put("status", "stopped");
    o.put("stopped_at", run.stoppedAt().toString());
    return o;
  }

  /** {@code GET /admin/runs/{id}} and {@code /me/runs/{id}}: 404 when the tenant has no such run. */
  ObjectNode show(String tenant, String id) {
    Optional<Runs.Run> row = store.runs().get(tenant, id);
    List<UsageRecord> calls = store.ledger().byRun(tenant, id);
    if (row.isEmpty() && calls.isEmpty()) {
      throw new GatewayException(new GatewayError.NotFound("No run '" + id + "' in tenant '" + tenant + "'.", "run_not_found"));
    }
    List<Runs.Verdict> verdicts = store.runs().verdicts(tenant, id);
    Map<String, List<Runs.Verdict>> byRequest = new HashMap<>();
    for (Runs.Verdict v : verdicts) byRequest.computeIfAbsent(v.requestId(), k -> new ArrayList<>()).add(v);

    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("tenant", tenant);
    o.put("run", id);
    o.put("parent", row.map(Runs.Run::parent).orElse(null));
    o.put("depth", row.map(Runs.Run::depth).orElse(0));
    o.put("status", status(row.orElse(null), calls));
    row.ifPresent(r -> o.put("started_at", r.startedAt().toString()));
    row.filter(r -> r.stoppedAt() != null).ifPresent(r -> o.put("stopped_at", r.stoppedAt().toString()));

    long served = 0, refused = 0, input = 0, cachedInput = 0, output = 0, cost = 0, charge = 0, avoided = 0, latency = 0;
    ArrayNode timeline = Json.MAPPER.createArrayNode();
    for (UsageRecord r : calls) {
      boolean wasRefused = r.status() >= 400 && (r.attempts() == null || r.attempts().equals("[]"));
      if (wasRefused) refused++; else served++;
      input += r.inputTokens() + r.cacheWriteTokens();
      cachedInput += r.cachedInputTokens();
      output += r.outputTokens();
      cost += r.costNanos();
      charge += r.chargeNanos();
      avoided += r.avoidedNanos();
      latency += r.latencyMicros();
      ObjectNode c = timeline.addObject();
      c.put("time", r.time().toString());
      c.put("request_id", r.requestId());
      c.put("model", r.modelAsked());
      c.put("model_served", r.modelServed());
      c.put("deployment", r.deployment());
      c.put("input_tokens", r.inputTokens() + r.cacheWriteTokens());
      c.put("cached_input_tokens", r.cachedInputTokens());
      c.put("output_tokens", r.outputTokens());
      c.put("cost_usd", AdminApi.usd(r.costNanos()));
      c.put("charge_usd", AdminApi.usd(r.chargeNanos()));
      c.put("cache_status", r.cacheStatus());
      c.put("avoided_usd", AdminApi.usd(r.avoidedNanos()));
      c.put("mechanism", r.mechanism());
      c.put("latency_ms", r.latencyMicros() / 1000.0);
      c.put("status", r.status());
      c.put("error_code", r.errorCode());
      ArrayNode vs = c.putArray("verdicts");
      for (Runs.Verdict v : byRequest.getOrDefault(r.requestId(), List.of())) vs.add(verdictJson(v));
    }
    ObjectNode totals = o.putObject("totals");
    totals.put("calls", calls.size());
    totals.put("served", served);
    totals.put("refused", refused);
    totals.put("input_tokens", input);
    totals.put("cached_input_tokens", cachedInput);
    totals.put("output_tokens", output);
    totals.put("tokens", input + cachedInput + output);
    totals.put("cost_usd", AdminApi.usd(cost));
    totals.put("charge_usd", AdminApi.usd(charge));
    totals.put("avoided_usd", AdminApi.usd(avoided));
    totals.put("latency_ms", latency / 1000.0);
    if (!calls.isEmpty()) {
      totals.put("wall_time_ms", java.time.Duration.between(calls.getFirst().time(), calls.getLast().time()).toMillis()
          + calls.getLast().latencyMicros() / 1000);
    }
    ArrayNode all = o.putArray("verdicts");
    for (Runs.Verdict v : verdicts) all.add(verdictJson(v));
    o.put("calls_in_memory", tracker.loaded(tenant, id).map(RunTracker.Run::calls).orElse(null));
    o.set("calls", timeline);
    return o;
  }

  private static String status(Runs.Run row, List<UsageRecord> calls) {
    if (row != null && row.stoppedAt() != null) return "stopped";
    if (!calls.isEmpty()) {
      String last = calls.getLast().errorCode();
      if (GatewayError.RunRefused.LIMIT.equals(last)) return "limit_exceeded";
      if (GatewayError.RunRefused.LOOP.equals(last)) return "loop_detected";
    }
    return "active";
  }

  private static ObjectNode verdictJson(Runs.Verdict v) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("time", v.time().toString());
    n.put("request_id", v.requestId());
    n.put("verdict", v.verdict());
    n.put("reason", v.reason());
    n.put("detail", v.detail());
    return n;
  }

  /** {@code PUT /admin/tenants/{name}/run-policy}: replaces the keys the tenant sets; answers the policy in force. */
  ObjectNode putPolicy(String tenant, ObjectNode keys) {
    requireTenant(tenant);
    RunPolicy effective;
    try {
      effective = config.runs().defaults().over(keys);
    } catch (IllegalArgumentException e) {
      throw JsonFields.invalid("Invalid run policy: " + e.getMessage() + ".", null);
    }
    policies.put(tenant, keys, clock.instant());
    return policyJson(tenant, keys, effective);
  }

  /** {@code GET /admin/tenants/{name}/run-policy}: the keys the tenant sets and the policy in force. */
  ObjectNode getPolicy(String tenant) {
    requireTenant(tenant);
    ObjectNode keys = policies.stored(tenant);
    RunPolicy effective;
    try {
      effective = config.runs().defaults().over(keys);
    } catch (IllegalArgumentException e) {
      effective = config.runs().defaults();
    }
    return policyJson(tenant, keys, effective);
  }

  /**
   * {@code PUT /admin/keys/{id}/run-policy}: replaces the keys a key sets; answers the policy in
   * force for its calls (the key's keys can only tighten its tenant's policy).
   */
  ObjectNode putKeyPolicy(String keyId, ObjectNode keys) {
    String tenant = requireKey(keyId);
    try {
      RunPolicy.DEFAULT.over(keys);
    } catch (IllegalArgumentException e) {
      throw JsonFields.invalid("Invalid run policy: " + e.getMessage() + ".", null);
    }
    policies.putForKey(keyId, keys, clock.instant());
    return keyPolicyJson(keyId, tenant, keys);
  }

  /** {@code GET /admin/keys/{id}/run-policy}: the keys the key sets and the policy in force for its calls. */
  ObjectNode getKeyPolicy(String keyId) {
    String tenant = requireKey(keyId);
    return keyPolicyJson(keyId, tenant, policies.storedForKey(keyId));
  }

  private ObjectNode keyPolicyJson(String keyId, String tenant, ObjectNode keys) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("key", keyId);
    o.put("tenant", tenant);
    o.set("overrides", keys);
    o.set("effective", policies.effective(tenant, keyId, config.runs().defaults()).toJson());
    return o;
  }

  /** The tenant of a key kept in the store or declared in the config; 404 for another id. */
  private String requireKey(String keyId) {
    for (GatewayConfig.TenantConfig t : config.tenants()) {
      for (GatewayConfig.KeyConfig k : t.keys()) {
        if (KeyDirectory.configuredKeyId(t.name(), k.name()).equals(keyId)) return t.name();
      }
    }
    return store.keys().byId(keyId).map(ApiKeys.ApiKey::tenant).orElseThrow(() ->
        new GatewayException(new GatewayError.NotFound("No key with id '" + keyId + "'.", "key_not_found")));
  }

  private static ObjectNode policyJson(String tenant, ObjectNode keys, RunPolicy effective) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("tenant", tenant);
    o.set("overrides", keys);
    o.set("effective", effective.toJson());
    return o;
  }

  private void requireTenant(String tenant) {
    boolean declared = config.tenants().stream().anyMatch(t -> t.name().equals(tenant));
    if (!declared && store.tenants().byName(tenant).isEmpty()) {
      throw new GatewayException(new GatewayError.NotFound("No tenant named '" + tenant + "'.", "tenant_not_found"));
    }
  }
}
