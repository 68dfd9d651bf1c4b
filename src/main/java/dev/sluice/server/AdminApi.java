package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.admit.AdmissionRules;
import dev.sluice.auth.KeyDirectory;
import dev.sluice.meter.Plan;
import dev.sluice.meter.PlanBook;
import dev.sluice.auth.KeySecrets;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import dev.sluice.pipeline.Principal;
import dev.sluice.runs.RunPolicy;
import dev.sluice.store.ApiKeys.ApiKey;
import dev.sluice.store.Budgets.Budget;
import dev.sluice.store.RateLimits.RateLimit;
import dev.sluice.store.Store;
import dev.sluice.store.Tenants;
import dev.sluice.store.Tenants.Tenant;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.InstantSource;
import dev.sluice.store.UsageLedger;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The admin API's operations on tenants, keys, budgets and rate limits: plain blocking functions
 * from a request to a JSON answer, run by the edge on a worker thread. Every one assumes the caller
 * was checked to hold the admin key.
 */
final class AdminApi {
  private static final Set<String> BUDGET_SCOPES = Set.of("tenant", "key", "feature", "user");
  private static final Set<String> PERIODS = Set.of("day", "week", "month", "total");

  private final Store store;
  private final KeyDirectory keys;
  private final PlanBook plans;
  private final AdmissionRules rules;
  private final InstantSource clock;

  AdminApi(Store store, KeyDirectory keys, PlanBook plans, AdmissionRules rules, InstantSource clock) {
    this.store = store;
    this.keys = keys;
    this.plans = plans;
    this.rules = rules;
    this.clock = clock;
  }

  // ---------------------------------------------------------------- tenants

  ObjectNode createTenant(ObjectNode body) {
    JsonFields f = new JsonFields(body).only("name", "plan");
    String name = f.requiredString("name");
    JsonNode plan = f.object("plan");
    f.finish();
    checkName(name);
    if (plan != null) {
      try {
        Plan.parse(plan.toString());
      } catch (IllegalArgumentException e) {
        throw JsonFields.invalid("Invalid plan: " + e.getMessage() + ".", "plan");
      }
    }
    try {
      Tenant t = store.tenants().create(name, plan == null ? null : plan.toString());
      plans.forget(name);
      return tenantJson(t);
    } catch (Tenants.DuplicateException e) {
      throw new GatewayException(new GatewayError.Conflict("A tenant named '" + name + "' already exists.", "tenant_exists"));
    }
  }

  ObjectNode listTenants() {
    ObjectNode root = Json.MAPPER.createObjectNode();
    ArrayNode data = root.putArray("data");
    for (Tenant t : store.tenants().list()) data.add(tenantJson(t));
    return root;
  }

  private static ObjectNode tenantJson(Tenant t) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("id", t.id());
    o.put("name", t.name());
    if (t.plan() != null) o.set("plan", parse(t.plan()));
    o.put("created_at", t.createdAt().toString());
    return o;
  }

  /** The tenant, created on first use when it is the built-in one. */
  Tenant tenant(String name) {
    return store.tenants().byName(name).orElseGet(() -> {
      if (name.equals(Principal.DEFAULT_TENANT)) {
        try {
          return store.tenants().create(name, null);
        } catch (Tenants.DuplicateException raced) {
          return store.tenants().byName(name).orElseThrow();
        }
      }
      throw new GatewayException(new GatewayError.NotFound("No tenant named '" + name + "'.", "tenant_not_found"));
    });
  }

  // ---------------------------------------------------------------- keys

  ObjectNode createKey(ObjectNode body) {
    JsonFields f = new JsonFields(body).only("tenant", "name", "models", "expires_at", "run_policy");
    String tenant = f.requiredString("tenant");
    String name = f.string("name");
    List<String> models = f.strings("models");
    Instant expiresAt = f.instant("expires_at");
    JsonNode runPolicy = f.object("run_policy");
    f.finish();
    if (runPolicy != null) {
      try {
        RunPolicy.DEFAULT.over((ObjectNode) runPolicy);
      } catch (IllegalArgumentException e) {
        throw JsonFields.invalid("Invalid run_policy: " + e.getMessage() + ".", "run_policy");
      }
    }
    tenant(tenant);
    Instant now = clock.instant();
    if (expiresAt != null && !expiresAt.isAfter(now)) {
      throw JsonFields.invalid("Field 'expires_at' is in the past.", "expires_at");
    }
    String secret = KeySecrets.newSecret();
    ApiKey key = new ApiKey(KeySecrets.newKeyId(), tenant, name == null ? "" : name, KeySecrets.hash(secret),
        KeySecrets.hint(secret), models, now, expiresAt, null);
    // the policy first: a key never works without the limits it was created with
    if (runPolicy != null) store.runs().putKeyPolicy(key.id(), runPolicy.toString(), now);
    store.keys().insert(key);
    ObjectNode o = keyJson(key);
    if (runPolicy != null) o.set("run_policy", runPolicy);
    o.put("key", secret);
    return o;
  }

  ObjectNode listKeys(String tenant) {
    if (tenant == null) throw JsonFields.invalid("Parameter 'tenant' is required.", "tenant");
    tenant(tenant);
    ObjectNode root = Json.MAPPER.createObjectNode();
    ArrayNode data = root.putArray("data");
    for (ApiKey k : store.keys().list(tenant)) data.add(keyJson(k));
    return root;
  }

  ObjectNode revokeKey(String id) {
    ApiKey key = store.keys().byId(id).orElseThrow(() ->
        new GatewayException(new GatewayError.NotFound("No key with id '" + id + "'.", "key_not_found")));
    store.keys().revoke(id, clock.instant());
    keys.forget(key.hash());
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("id", id);
    o.put("revoked", true);
    return o;
  }

  private ObjectNode keyJson(ApiKey k) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("id", k.id());
    o.put("tenant", k.tenant());
    o.put("name", k.name());
    o.put("hint", k.hint());
    o.set("models", Json.MAPPER.valueToTree(k.models()));
    o.put("created_at", k.createdAt().toString());
    o.put("expires_at", k.expiresAt() == null ? null : k.expiresAt().toString());
    o.put("revoked_at", k.revokedAt() == null ? null : k.revokedAt().toString());
    o.put("active", k.activeAt(clock.instant()));
    return o;
  }

  // ---------------------------------------------------------------- budgets

  ObjectNode createBudget(ObjectNode body) {
    JsonFields f = new JsonFields(body).only("scope", "tenant", "target", "amount_usd", "period", "action", "alert_at", "webhook");
    String scope = f.requiredString("scope");
    String tenant = f.requiredString("tenant");
    String target = f.string("target");
    BigDecimal amount = f.usd("amount_usd", true);
    String period = f.string("period");
    String action = f.string("action");
    List<Double> alertAt = f.fractions("alert_at", List.of(0.5, 0.8, 1.0));
    String webhook = f.string("webhook");
    f.finish();
    if (!BUDGET_SCOPES.contains(scope)) throw JsonFields.invalid("Field 'scope' must be tenant, key, feature or user.", "scope");
    if (scope.equals("tenant") && target != null) throw JsonFields.invalid("A tenant budget has no 'target'.", "target");
    if (!scope.equals("tenant") && (target == null || target.isBlank())) {
      throw JsonFields.invalid("A " + scope + " budget needs a 'target' (the " + (scope.equals("key") ? "key id" : scope) + ").", "target");
    }
    period = period == null ? "month" : period;
    if (!PERIODS.contains(period)) throw JsonFields.invalid("Field 'period' must be day, week, month or total.", "period");
    action = action == null ? "block" : action;
    if (!action.equals("block") && !action.equals("alert")) throw JsonFields.invalid("Field 'action' must be block or alert.", "action");
    if (webhook != null && !(webhook.startsWith("http://") || webhook.startsWith("https://"))) {
      throw JsonFields.invalid("Field 'webhook' must be an http:// or https:// URL.", "webhook");
    }
    tenant(tenant);
    Budget b = new Budget(KeySecrets.newId("bud"), scope, tenant, target, nanos(amount), period, action, alertAt,
        webhook, clock.instant());
    store.budgets().insert(b);
    rules.load();
    return budgetJson(b);
  }

  ObjectNode listBudgets(String tenant) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    ArrayNode data = root.putArray("data");
    for (Budget b : store.budgets().list(tenant)) data.add(budgetJson(b));
    return root;
  }

  ObjectNode deleteBudget(String id) {
    if (!store.budgets().delete(id)) {
      throw new GatewayException(new GatewayError.NotFound("No budget with id '" + id + "'.", "budget_not_found"));
    }
    rules.load();
    return Json.MAPPER.createObjectNode().put("id", id).put("deleted", true);
  }

  static ObjectNode budgetJson(Budget b) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("id", b.id());
    o.put("scope", b.scope());
    o.put("tenant", b.tenant());
    o.put("target", b.target());
    o.put("amount_usd", usd(b.amountNanos()));
    o.put("period", b.period());
    o.put("action", b.action());
    o.set("alert_at", Json.MAPPER.valueToTree(b.alertAt()));
    o.put("webhook", b.webhook());
    o.put("created_at", b.createdAt().toString());
    return o;
  }

  // ---------------------------------------------------------------- rate limits

  ObjectNode createRateLimit(ObjectNode body) {
    JsonFields f = new JsonFields(body).only("scope", "tenant", "target", "model", "rpm", "tpm");
    String scope = f.requiredString("scope");
    String tenant = f.requiredString("tenant");
    String target = f.string("target");
    String model = f.string("model");
    long rpm = f.wholeNumber("rpm", 0);
    long tpm = f.wholeNumber("tpm", 0);
    f.finish();
    if (!scope.equals("tenant") && !scope.equals("key")) throw JsonFields.invalid("Field 'scope' must be tenant or key.", "scope");
    if (scope.equals("key") && (target == null || target.isBlank())) throw JsonFields.invalid("A key rate limit needs 'target': the key id.", "target");
    if (scope.equals("tenant") && target != null) throw JsonFields.invalid("A tenant rate limit has no 'target'.", "target");
    if (rpm == 0 && tpm == 0) throw JsonFields.invalid("Set 'rpm', 'tpm' or both.", "rpm");
    tenant(tenant);
    RateLimit r = new RateLimit(KeySecrets.newId("rl"), scope, tenant, target, model, rpm, tpm);
    store.rateLimits().insert(r);
    rules.load();
    return rateLimitJson(r);
  }

  ObjectNode listRateLimits(String tenant) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    ArrayNode data = root.putArray("data");
    for (RateLimit r : store.rateLimits().list(tenant)) data.add(rateLimitJson(r));
    return root;
  }

  ObjectNode deleteRateLimit(String id) {
    if (!store.rateLimits().delete(id)) {
      throw new GatewayException(new GatewayError.NotFound("No rate limit with id '" + id + "'.", "rate_limit_not_found"));
    }
    rules.load();
    return Json.MAPPER.createObjectNode().put("id", id).put("deleted", true);
  }

  private static ObjectNode rateLimitJson(RateLimit r) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("id", r.id());
    o.put("scope", r.scope());
    o.put("tenant", r.tenant());
    o.put("target", r.target());
    o.put("model", r.model());
    o.put("rpm", r.rpm());
    o.put("tpm", r.tpm());
    return o;
  }

  // ---------------------------------------------------------------- usage and invoices

  /** The parameters of a usage query, as the query string gives them. */
  record UsageParams(String from, String to, String groupBy, String granularity, String tenant) {}

  /** The rows of a usage query; {@code onlyTenant} (for /me) overrides any tenant filter. */
  List<UsageLedger.Row> usageRows(UsageParams p, String onlyTenant, ZoneId zone) {
    Instant to = p.to() == null ? clock.instant() : JsonFields.queryTime("to", p.to(), zone);
    Instant from = p.from() == null ? to.minus(Duration.ofDays(30)) : JsonFields.queryTime("from", p.from(), zone);
    if (!from.isBefore(to)) throw JsonFields.invalid("Parameter 'from' must be before 'to'.", "from");
    List<String> groupBy = p.groupBy() == null ? List.of()
        : Arrays.stream(p.groupBy().split(",")).map(String::strip).filter(g -> !g.isEmpty()).toList();
    String granularity = p.granularity();
    if (granularity != null && !granularity.equals("minute") && !granularity.equals("hour") && !granularity.equals("day")) {
      throw JsonFields.invalid("Parameter 'granularity' must be minute, hour or day.", "granularity");
    }
    String tenant = onlyTenant != null ? onlyTenant : p.tenant();
    try {
      return store.ledger().aggregate(new UsageLedger.Query(from, to, groupBy, granularity, tenant, zone));
    } catch (IllegalArgumentException e) {
      throw JsonFields.invalid(e.getMessage() + ".", "group_by");
    }
  }

  /** Usage rows as JSON: {@code {"rows": [{<groups>, "time"?, "requests", ...}]}}. */
  static ObjectNode usageJson(List<UsageLedger.Row> rows) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    ArrayNode out = root.putArray("rows");
    for (UsageLedger.Row r : rows) {
      ObjectNode o = out.addObject();
      r.groups().forEach(o::put);
      if (r.time() != null) o.put("time", r.time().toString());
      o.put("requests", r.requests());
      o.put("input_tokens", r.inputTokens());
      o.put("cached_input_tokens", r.cachedInputTokens());
      o.put("cache_write_tokens", r.cacheWriteTokens());
      o.put("output_tokens", r.outputTokens());
      o.put("cost_usd", usd(r.costNanos()));
      o.put("charge_usd", usd(r.chargeNanos()));
      o.put("avoided_usd", usd(r.avoidedNanos()));
      o.put("unpriced_requests", r.unpricedRequests());
    }
    return root;
  }

  /**
   * Savings rows as JSON: per group, what was spent upstream, what caches and other mechanisms
   * avoided, and the requests: {@code {"rows": [{<groups>, "requests", "spend_usd", "charge_usd",
   * "avoided_usd", "savings_ratio"}], "total": {...}}}. The savings ratio is avoided / (spend + avoided).
   */
  static ObjectNode savingsJson(List<UsageLedger.Row> rows) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    ArrayNode out = root.putArray("rows");
    long requests = 0;
    long spend = 0;
    long charge = 0;
    long avoided = 0;
    for (UsageLedger.Row r : rows) {
      ObjectNode o = out.addObject();
      r.groups().forEach(o::put);
      savings(o, r.requests(), r.costNanos(), r.chargeNanos(), r.avoidedNanos());
      requests += r.requests();
      spend += r.costNanos();
      charge += r.chargeNanos();
      avoided += r.avoidedNanos();
    }
    savings(root.putObject("total"), requests, spend, charge, avoided);
    return root;
  }

  private static void savings(ObjectNode o, long requests, long spend, long charge, long avoided) {
    o.put("requests", requests);
    o.put("spend_usd", usd(spend));
    o.put("charge_usd", usd(charge));
    o.put("avoided_usd", usd(avoided));
    o.put("savings_ratio", spend + avoided == 0 ? BigDecimal.ZERO
        : BigDecimal.valueOf(avoided).divide(BigDecimal.valueOf(spend + avoided), 4, java.math.RoundingMode.HALF_EVEN));
  }

  /** Usage rows as CSV, with a header line and the same columns as the JSON. */
  static String usageCsv(List<UsageLedger.Row> rows, List<String> groupBy, boolean withTime) {
    StringBuilder sb = new StringBuilder();
    List<String> header = new java.util.ArrayList<>(groupBy);
    if (withTime) header.add("time");
    header.addAll(List.of("requests", "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens",
        "cost_usd", "charge_usd", "avoided_usd", "unpriced_requests"));
    sb.append(String.join(",", header)).append("\n");
    for (UsageLedger.Row r : rows) {
      List<String> cells = new java.util.ArrayList<>();
      for (String g : groupBy) cells.add(csv(r.groups().get(g)));
      if (withTime) cells.add(r.time() == null ? "" : r.time().toString());
      cells.addAll(List.of(Long.toString(r.requests()), Long.toString(r.inputTokens()), Long.toString(r.cachedInputTokens()),
          Long.toString(r.cacheWriteTokens()), Long.toString(r.outputTokens()), usd(r.costNanos()).toPlainString(),
          usd(r.chargeNanos()).toPlainString(), usd(r.avoidedNanos()).toPlainString(), Long.toString(r.unpricedRequests())));
      sb.append(String.join(",", cells)).append("\n");
    }
    return sb.toString();
  }

  private static String csv(String v) {
    if (v == null) return "";
    if (v.contains(",") || v.contains("\"") || v.contains("\n")) return "\"" + v.replace("\"", "\"\"") + "\"";
    return v;
  }

  /**
   * A tenant's invoice for a calendar month ({@code 2026-11}): one line per model that answered,
   * with its token buckets and amount (the sum of what its requests were charged, so the total
   * matches the ledger exactly), plus the subscription fee when the plan has one.
   */
  ObjectNode invoice(String tenant, String period, ZoneId zone) {
    if (tenant == null) throw JsonFields.invalid("Parameter 'tenant' is required.", "tenant");
    if (period == null || !period.matches("\\d{4}-\\d{2}")) {
      throw JsonFields.invalid("Parameter 'period' must be a month such as 2026-11.", "period");
    }
    tenant(tenant);
    java.time.YearMonth month = java.time.YearMonth.parse(period);
    Instant from = month.atDay(1).atStartOfDay(zone).toInstant();
    Instant to = month.plusMonths(1).atDay(1).atStartOfDay(zone).toInstant();
    List<UsageLedger.Row> rows = store.ledger().aggregate(new UsageLedger.Query(from, to, List.of("model"), null, tenant, zone));
    Plan plan = Plan.parse(store.tenants().byName(tenant).map(Tenant::plan).orElse(null));
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("tenant", tenant);
    o.put("period", period);
    o.put("from", from.toString());
    o.put("to", to.toString());
    o.put("time_zone", zone.getId());
    ArrayNode lines = o.putArray("lines");
    long usageCharge = 0;
    long usageCost = 0;
    long requests = 0;
    for (UsageLedger.Row r : rows) {
      if (r.requests() == 0) continue;
      ObjectNode l = lines.addObject();
      String model = r.groups().get("model");
      l.put("description", "usage of " + (model == null ? "(no model served)" : model));
      l.put("model", model);
      l.put("requests", r.requests());
      l.put("input_tokens", r.inputTokens());
      l.put("cached_input_tokens", r.cachedInputTokens());
      l.put("cache_write_tokens", r.cacheWriteTokens());
      l.put("output_tokens", r.outputTokens());
      long tokens = r.inputTokens() + r.cachedInputTokens() + r.cacheWriteTokens() + r.outputTokens();
      l.put("tokens", tokens);
      l.put("rate_usd_per_mtok", tokens == 0 ? BigDecimal.ZERO
          : BigDecimal.valueOf(r.chargeNanos(), 9).multiply(BigDecimal.valueOf(1_000_000))
              .divide(BigDecimal.valueOf(tokens), 6, RoundingMode.HALF_EVEN).stripTrailingZeros());
      l.put("amount_usd", usd(r.chargeNanos()));
      l.put("cost_usd", usd(r.costNanos()));
      if (r.unpricedRequests() > 0) l.put("unpriced_requests", r.unpricedRequests());
      usageCharge += r.chargeNanos();
      usageCost += r.costNanos();
      requests += r.requests();
    }
    long fee = 0;
    if (plan instanceof Plan.Subscription s) {
      fee = s.monthlyFee().nanos();
      ObjectNode l = lines.addObject();
      l.put("description", "subscription fee (includes $" + s.included() + " of usage)");
      l.put("amount_usd", usd(fee));
    }
    o.put("requests", requests);
    o.put("usage_usd", usd(usageCharge));
    o.put("total_usd", usd(usageCharge + fee));
    o.put("cost_usd", usd(usageCost));
    o.put("margin_usd", usd(usageCharge + fee - usageCost));
    return o;
  }

  // ---------------------------------------------------------------- helpers

  private static void checkName(String name) {
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
      throw JsonFields.invalid("Field 'name' must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit.", "name");
    }
  }

  private static long nanos(BigDecimal usd) {
    return usd.movePointRight(9).setScale(0, RoundingMode.HALF_EVEN).longValueExact();
  }

  static BigDecimal usd(long nanos) {
    return BigDecimal.valueOf(nanos, 9).stripTrailingZeros();
  }

  private static JsonNode parse(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (Exception e) {
      return Json.MAPPER.getNodeFactory().textNode(json);
    }
  }

}
