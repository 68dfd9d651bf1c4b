package dev.sluice.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.AttributionReader;
import dev.sluice.api.Json;
import dev.sluice.api.RequestValidator;
import dev.sluice.auth.IdentifyStage;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.GatewayConfig.DeploymentConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import dev.sluice.error.ErrorWire;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import dev.sluice.pipeline.Attribution;
import dev.sluice.pipeline.Call;
import dev.sluice.pipeline.Operation;
import dev.sluice.pipeline.Principal;
import dev.sluice.pipeline.Reply;
import dev.sluice.pipeline.RequestTrace;
import dev.sluice.route.Deployment;
import dev.sluice.runs.RunPolicies;
import dev.sluice.runs.RunTracker;
import io.netty.util.AsciiString;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import dev.sluice.store.Store;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongBiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP edge: one table of every endpoint ({@link #routes}), body limits, decoding of the
 * OpenAI wire format into a {@link Call}, and writing replies and errors back. Everything between
 * decoding and writing is the pipeline's business.
 */
public final class HttpEdge implements Handler<HttpServerRequest> {
  private static final Logger log = LoggerFactory.getLogger(HttpEdge.class);

  // Header names made once: Vert.x checks a plain String name on every use.
  static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("X-Sluice-Request-Id");
  static final CharSequence ROUTE = HttpHeaders.createOptimized("X-Sluice-Route");
  /** How the response cache handled a model call; the cache stage sets it on answers, the edge on errors. */
  static final CharSequence CACHE_STATUS = HttpHeaders.createOptimized("X-Sluice-Cache");
  private static final CharSequence CONTENT_TYPE = HttpHeaders.CONTENT_TYPE;
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  private final Supplier<Snapshot> snapshots;
  private final LongSupplier nanoClock;
  private final List<Endpoint> routes;
  private final Supplier<String> metrics;
  private final Store store;
  private final Vertx vertx;
  private final InstantSource clock;
  private final StaticFiles ui = new StaticFiles();
  private final ToLongBiFunction<String, String> cachePurge;
  private final RunTracker runs;
  private final RunPolicies runPolicies;

  /**
   * An admin operation: blocking, on a worker thread, from the request (and its JSON body) to an
   * answer: a JSON node, or a {@link Csv} text.
   */
  @FunctionalInterface
  private interface AdminCall {
    Object apply(AdminApi api, Exchange x, ObjectNode body);
  }

  /** A CSV answer. */
  private record Csv(String text) {}

  /** One row of the endpoint table. A segment in braces matches one segment; {@code {name+}} at the end matches the rest. */
  private record Endpoint(HttpMethod method, String path, Handler<Exchange> handler) {}

  /** A request on its way through the edge. */
  private record Exchange(HttpServerRequest request, Snapshot snapshot, String requestId, long startNanos,
      Map<String, String> params) {
    HttpServerResponse response() {
      return request.response();
    }

    /** A query-string parameter, or {@code null}. */
    String query(String name) {
      String v = request.getParam(name);
      return v == null || v.isBlank() ? null : v;
    }
  }

  /**
   * @param cachePurge drops the response cache's entries of a tenant and/or a model (either may be
   *     null for all), and says how many
   */
  public HttpEdge(Supplier<Snapshot> snapshots, LongSupplier nanoClock, Store store, Vertx vertx, InstantSource clock,
      Supplier<String> metrics, ToLongBiFunction<String, String> cachePurge, RunTracker runs, RunPolicies runPolicies) {
    this.metrics = metrics;
    this.cachePurge = cachePurge;
    this.runs = runs;
    this.runPolicies = runPolicies;
    this.snapshots = snapshots;
    this.nanoClock = nanoClock;
    this.store = store;
    this.vertx = vertx;
    this.clock = clock;
    this.routes = List.of(
        new Endpoint(HttpMethod.POST, "/v1/chat/completions", x -> modelCall(x, Operation.CHAT_COMPLETIONS)),
        new Endpoint(HttpMethod.POST, "/v1/embeddings", x -> modelCall(x, Operation.EMBEDDINGS)),
        new Endpoint(HttpMethod.GET, "/v1/models", this::listModels),
        new Endpoint(HttpMethod.GET, "/v1/models/{model+}", this::getModel),
        new Endpoint(HttpMethod.GET, "/healthz", this::health),
        new Endpoint(HttpMethod.GET, "/readyz", this::ready),
        new Endpoint(HttpMethod.GET, "/metrics", this::metrics),
        new Endpoint(HttpMethod.GET, "/admin/config", x -> admin(x, (api, ex, b) -> adminConfig(ex))),
        new Endpoint(HttpMethod.GET, "/admin/deployments", x -> admin(x, (api, ex, b) -> adminDeployments(ex))),
        new Endpoint(HttpMethod.POST, "/admin/tenants", x -> admin(x, (api, ex, b) -> api.createTenant(b))),
        new Endpoint(HttpMethod.GET, "/admin/tenants", x -> admin(x, (api, ex, b) -> api.listTenants())),
        new Endpoint(HttpMethod.POST, "/admin/keys", x -> admin(x, (api, ex, b) -> api.createKey(b))),
        new Endpoint(HttpMethod.GET, "/admin/keys", x -> admin(x, (api, ex, b) -> api.listKeys(ex.query("tenant")))),
        new Endpoint(HttpMethod.DELETE, "/admin/keys/{id}", x -> admin(x, (api, ex, b) -> api.revokeKey(ex.params().get("id")))),
        new Endpoint(HttpMethod.POST, "/admin/budgets", x -> admin(x, (api, ex, b) -> api.createBudget(b))),
        new Endpoint(HttpMethod.GET, "/admin/budgets", x -> admin(x, (api, ex, b) -> api.listBudgets(ex.query("tenant")))),
        new Endpoint(HttpMethod.DELETE, "/admin/budgets/{id}", x -> admin(x, (api, ex, b) -> api.deleteBudget(ex.params().get("id")))),
        new Endpoint(HttpMethod.POST, "/admin/rate-limits", x -> admin(x, (api, ex, b) -> api.createRateLimit(b))),
        new Endpoint(HttpMethod.GET, "/admin/rate-limits", x -> admin(x, (api, ex, b) -> api.listRateLimits(ex.query("tenant")))),
        new Endpoint(HttpMethod.DELETE, "/admin/rate-limits/{id}", x -> admin(x, (api, ex, b) -> api.deleteRateLimit(ex.params().get("id")))),
        new Endpoint(HttpMethod.GET, "/admin/usage", x -> admin(x, (api, ex, b) -> usage(api, ex, null))),
        new Endpoint(HttpMethod.GET, "/admin/invoices", x -> admin(x, (api, ex, b) ->
            api.invoice(ex.query("tenant"), ex.query("period"), ex.snapshot().config().timeZone()))),
        new Endpoint(HttpMethod.GET, "/admin/savings", x -> admin(x, (api, ex, b) -> AdminApi.savingsJson(api.usageRows(
            new AdminApi.UsageParams(ex.query("from"), ex.query("to"), ex.query("group_by"), null, ex.query("tenant")),
            null, ex.snapshot().config().timeZone())))),
        new Endpoint(HttpMethod.DELETE, "/admin/cache", x -> admin(x, (api, ex, b) ->
            Json.MAPPER.createObjectNode().put("purged", cachePurge.applyAsLong(ex.query("tenant"), ex.query("model"))))),
        new Endpoint(HttpMethod.GET, "/admin/usage/series", x -> admin(x, (api, ex, b) -> reports(ex).series(ex::query))),
        new Endpoint(HttpMethod.GET, "/admin/usage/runs", x -> admin(x, (api, ex, b) -> reports(ex).costliestRuns(ex::query))),
        new Endpoint(HttpMethod.GET, "/admin/latency", x -> admin(x, (api, ex, b) -> reports(ex).latency(ex::query))),
        new Endpoint(HttpMethod.GET, "/admin/budgets/status", x -> admin(x, (api, ex, b) -> reports(ex).budgetStatus(ex.query("tenant")))),
        new Endpoint(HttpMethod.GET, "/admin/runs/{id}", x -> admin(x, (api, ex, b) ->
            runReports(ex).show(RunReports.tenant(ex.query("tenant")), ex.params().get("id")))),
        new Endpoint(HttpMethod.POST, "/admin/runs/{id}/stop", x -> admin(x, (api, ex, b) ->
            runReports(ex).stop(RunReports.tenant(ex.query("tenant")), ex.params().get("id")))),
        new Endpoint(HttpMethod.PUT, "/admin/tenants/{name}/run-policy", x -> admin(x, (api, ex, b) ->
            runReports(ex).putPolicy(ex.params().get("name"), b))),
        new Endpoint(HttpMethod.GET, "/admin/tenants/{name}/run-policy", x -> admin(x, (api, ex, b) ->
            runReports(ex).getPolicy(ex.params().get("name")))),
        new Endpoint(HttpMethod.PUT, "/admin/keys/{id}/run-policy", x -> admin(x, (api, ex, b) ->
            runReports(ex).putKeyPolicy(ex.params().get("id"), b))),
        new Endpoint(HttpMethod.GET, "/admin/keys/{id}/run-policy", x -> admin(x, (api, ex, b) ->
            runReports(ex).getKeyPolicy(ex.params().get("id")))),
        new Endpoint(HttpMethod.GET, "/me/runs/{id}", x -> tenantCall(x, (api, ex, tenant) ->
            runReports(ex).show(tenant, ex.params().get("id")))),
        new Endpoint(HttpMethod.GET, "/ui", x -> ui.serve(x.request(), null)),
        new Endpoint(HttpMethod.GET, "/ui/{file+}", x -> ui.serve(x.request(), x.params().get("file"))),
        new Endpoint(HttpMethod.GET, "/me/usage", x -> tenantCall(x, (api, ex, tenant) -> usage(api, ex, tenant))));
  }

  @Override
  public void handle(HttpServerRequest request) {
    long start = nanoClock.getAsLong();
    Snapshot snapshot = snapshots.get();
    String requestId = newRequestId();
    String path = normalize(request.path());
    Endpoint match = null;
    Map<String, String> params = Map.of();
    String allowed = null;
    for (Endpoint e : routes) {
      Map<String, String> p = match(e.path(), path);
      if (p == null) continue;
      if (e.method().equals(request.method())) {
        match = e;
        params = p;
        break;
      }
      allowed = allowed == null ? e.method().name() : allowed + ", " + e.method().name();
    }
    Exchange x = new Exchange(request, snapshot, requestId, start, params);
    try {
      if (match != null) {
        match.handler().handle(x);
      } else if (allowed != null) {
        sendError(x, new GatewayError.MethodNotAllowed(request.method().name(), path, allowed));
      } else {
        sendError(x, new GatewayError.UnknownEndpoint(request.method().name(), path));
      }
    } catch (GatewayException e) {
      sendError(x, e.error());
    } catch (RuntimeException e) {
      log.error("request {}: unexpected error on {} {}", requestId, request.method(), path, e);
      sendError(x, GatewayException.errorOf(e));
    }
  }

  // ---------------------------------------------------------------- model calls

  private void modelCall(Exchange x, Operation operation) {
    GatewayConfig config = x.snapshot().config();
    BodyReader.read(x.request(), config.maxRequestBody()).onComplete(read -> {
      if (read.failed()) {
        GatewayError error = GatewayException.errorOf(read.cause());
        if (error instanceof GatewayError.PayloadTooLarge) {
          // The rest of the body is still on the wire: answer, then close the connection.
          sendError(x, error, true);
        } else if (read.cause() instanceof GatewayException) {
          sendError(x, error);
        } else {
          x.request().connection().close();
        }
        return;
      }
      Call call;
      try {
        call = decode(x, operation, read.result(), config);
      } catch (GatewayException e) {
        sendError(x, e.error());
        return;
      }
      x.snapshot().modelCall().execute(call).onComplete(ar -> {
        if (ar.succeeded()) {
          writeReply(x, call, ar.result());
        } else {
          if (!(ar.cause() instanceof GatewayException)) {
            log.error("request {}: unexpected failure", x.requestId(), ar.cause());
          }
          x.response().headers().set(CACHE_STATUS, call.trace().cacheStatus());
          sendError(x, GatewayException.errorOf(ar.cause()));
        }
      });
    });
  }

  private Call decode(Exchange x, Operation operation, Buffer raw, GatewayConfig config) {
    byte[] bytes = raw.getBytes();
    if (bytes.length == 0) {
      throw invalid("The request body is empty; send a JSON object.", null, "invalid_json");
    }
    if (!BodyReader.isUtf8(bytes)) {
      throw invalid("The request body is not valid UTF-8.", null, "invalid_utf8");
    }
    ObjectNode body = jsonObject(bytes);
    if (operation == Operation.EMBEDDINGS) {
      RequestValidator.embeddings(body);
    } else {
      RequestValidator.chatCompletion(body);
    }
    String model = body.get("model").asText();
    boolean stream = operation == Operation.CHAT_COMPLETIONS && body.path("stream").asBoolean(false);
    boolean includeUsage = stream && body.path("stream_options").path("include_usage").asBoolean(false);
    long deadline = x.startNanos() + config.timeouts().total().toNanos();
    Attribution attribution = AttributionReader.read(x.request().headers(), body);
    return new Call(x.requestId(), operation, body, model, stream, includeUsage, x.request().headers(), null,
        attribution, new RequestTrace(), config, x.startNanos(), deadline, raw);
  }

  private void writeReply(Exchange x, Call call, Reply reply) {
    HttpServerResponse response = x.response();
    if (response.closed()) {
      if (reply instanceof Reply.Streaming s) s.chunks().cancel();
      return;
    }
    MultiMap headers = response.headers();
    // Values as ASCII bytes, which Netty copies in one go (a String it writes one character at a time).
    headers.set(REQUEST_ID, new AsciiString(x.requestId()));
    if (reply.served() != null) headers.set(ROUTE, new AsciiString(reply.served().route()));
    for (Map.Entry<String, String> h : reply.headers().entrySet()) {
      headers.set(new AsciiString(h.getKey()), new AsciiString(h.getValue()));
    }
    switch (reply) {
      case Reply.Complete c -> {
        headers.set(CONTENT_TYPE, JSON);
        response.end(c.body().bytes());
      }
      case Reply.Streaming s -> {
        headers.set("content-type", "text/event-stream; charset=utf-8");
        headers.set("cache-control", "no-cache");
        headers.set("x-accel-buffering", "no");
        response.setChunked(true);
        SseWriter.start(response, s.chunks(), call.includeUsage());
      }
    }
  }

  // ---------------------------------------------------------------- models, health

  private void listModels(Exchange x) {
    requireClientKey(x);
    ObjectNode root = Json.MAPPER.createObjectNode();
    root.put("object", "list");
    ArrayNode data = root.putArray("data");
    for (ModelConfig m : x.snapshot().config().models()) {
      if (!m.isPattern()) data.add(modelObject(m.name(), x.snapshot().loadedAtEpochSecond()));
    }
    sendJson(x, 200, root);
  }

  private void getModel(Exchange x) {
    requireClientKey(x);
    String name = x.params().get("model");
    ModelConfig m = x.snapshot().config().model(name).orElseThrow(() -> new GatewayException(
        new GatewayError.ModelNotFound(name, "The model '" + name + "' does not exist on this gateway.")));
    sendJson(x, 200, modelObject(m.isPattern() ? name : m.name(), x.snapshot().loadedAtEpochSecond()));
  }

  private static ObjectNode modelObject(String name, long created) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("id", name);
    o.put("object", "model");
    o.put("created", created);
    o.put("owned_by", "sluice");
    return o;
  }

  private void health(Exchange x) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("status", "ok");
    sendJson(x, 200, o);
  }

  private void ready(Exchange x) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    boolean ready = x.snapshot().catalog().anyAvailable(nanoClock.getAsLong());
    o.put("status", ready ? "ready" : "not ready");
    o.put("config", x.snapshot().config().source());
    o.put("models", x.snapshot().config().models().size());
    if (!ready) o.put("reason", "every deployment's circuit breaker is open");
    sendJson(x, ready ? 200 : 503, o);
  }

  /**
   * {@code GET /metrics}, in the Prometheus text format. Open on loopback without an admin key;
   * with one, it needs it too (metrics name tenants): Prometheus sends it as a bearer token.
   */
  private void metrics(Exchange x) {
    GatewayConfig config = x.snapshot().config();
    if (config.adminKey().isPresent()) {
      String presented = IdentifyStage.bearer(x.request().getHeader("authorization"));
      if (presented == null || !IdentifyStage.matches(presented, config.adminKey().get())) {
        throw new GatewayException(new GatewayError.Unauthenticated(
            "/metrics needs the admin key: send it as 'Authorization: Bearer <key>' (in Prometheus: authorization.credentials)."));
      }
    }
    HttpServerResponse r = x.response();
    r.headers().set(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
    r.end(metrics.get());
  }

  // ---------------------------------------------------------------- admin

  /**
   * Runs an admin operation: only with the admin key (a tenant key gets 403, no key or a wrong one
   * 401), with the JSON body read for POST and PUT, on a worker thread.
   */
  private void admin(Exchange x, AdminCall call) {
    GatewayConfig config = x.snapshot().config();
    if (config.adminKey().isEmpty()) {
      throw new GatewayException(new GatewayError.Forbidden(
          "Admin endpoints are disabled because no admin key is configured. Set admin_key in the config "
              + "(for example admin_key: ${SLUICE_ADMIN_KEY}), or SLUICE_ADMIN_KEY when running without a config file.",
          "admin_disabled"));
    }
    String presented = IdentifyStage.bearer(x.request().getHeader("authorization"));
    if (presented == null) {
      throw new GatewayException(new GatewayError.Unauthenticated("Missing admin key. Send it as 'Authorization: Bearer <key>'."));
    }
    Future<Void> allowed;
    if (IdentifyStage.matches(presented, config.adminKey().get())) {
      allowed = Future.succeededFuture();
    } else {
      allowed = x.snapshot().keys().identify(dev.sluice.auth.KeySecrets.hash(presented)).compose(p -> Future.failedFuture(
          new GatewayException(p != null
              ? new GatewayError.Forbidden("Admin endpoints need the admin key; a tenant key cannot use them.", "admin_only")
              : new GatewayError.Unauthenticated("Incorrect admin key provided."))));
    }
    boolean hasBody = x.request().method() == HttpMethod.POST || x.request().method() == HttpMethod.PUT;
    Future<ObjectNode> body = hasBody
        ? allowed.compose(v -> BodyReader.read(x.request(), config.maxRequestBody())).map(this::jsonObject)
        : allowed.map(v -> Json.MAPPER.createObjectNode());
    body.compose(b -> {
          AdminApi api = new AdminApi(store, x.snapshot().keys(), x.snapshot().plans(), x.snapshot().rules(), clock);
          return vertx.<Object>executeBlocking(() -> call.apply(api, x, b), false);
        })
        .onComplete(ar -> {
          if (ar.succeeded()) {
            sendResult(x, ar.result());
          } else {
            if (!(ar.cause() instanceof GatewayException)) log.error("request {}: admin call failed", x.requestId(), ar.cause());
            sendError(x, GatewayException.errorOf(ar.cause()));
          }
        });
  }

  /** The dashboard's reports, in the configured time zone. */
  private AdminReports reports(Exchange x) {
    return new AdminReports(store, clock, x.snapshot().config().timeZone());
  }

  /** Agent runs: reports, the kill switch, run policies. */
  private RunReports runReports(Exchange x) {
    return new RunReports(store, runs, runPolicies, x.snapshot().config(), clock);
  }

  /** A tenant's own data, for whoever holds one of its keys (the admin key reads the default tenant's). */
  @FunctionalInterface
  private interface TenantCall {
    Object apply(AdminApi api, Exchange x, String tenant);
  }

  private void tenantCall(Exchange x, TenantCall call) {
    GatewayConfig config = x.snapshot().config();
    String presented = IdentifyStage.bearer(x.request().getHeader("authorization"));
    Future<String> tenant;
    if (presented == null) {
      if (config.adminKey().isPresent()) {
        throw new GatewayException(new GatewayError.Unauthenticated("Missing API key. Send it as 'Authorization: Bearer <key>'."));
      }
      tenant = Future.succeededFuture(Principal.DEFAULT_TENANT);
    } else if (config.adminKey().isPresent() && IdentifyStage.matches(presented, config.adminKey().get())) {
      tenant = Future.succeededFuture(Principal.DEFAULT_TENANT);
    } else {
      tenant = x.snapshot().keys().identify(dev.sluice.auth.KeySecrets.hash(presented)).compose(p -> {
        if (p != null) return Future.succeededFuture(p.tenant());
        if (config.adminKey().isEmpty()) return Future.succeededFuture(Principal.DEFAULT_TENANT);
        return Future.failedFuture(new GatewayException(new GatewayError.Unauthenticated(
            "Incorrect API key provided, or the key was revoked or has expired.")));
      });
    }
    tenant.compose(t -> {
          AdminApi api = new AdminApi(store, x.snapshot().keys(), x.snapshot().plans(), x.snapshot().rules(), clock);
          return vertx.<Object>executeBlocking(() -> call.apply(api, x, t), false);
        })
        .onComplete(ar -> {
          if (ar.succeeded()) {
            sendResult(x, ar.result());
          } else {
            if (!(ar.cause() instanceof GatewayException)) log.error("request {}: call failed", x.requestId(), ar.cause());
            sendError(x, GatewayException.errorOf(ar.cause()));
          }
        });
  }

  /** {@code GET /admin/usage} and {@code /me/usage}: JSON, or CSV when the client accepts text/csv. */
  private static Object usage(AdminApi api, Exchange x, String onlyTenant) {
    AdminApi.UsageParams p = new AdminApi.UsageParams(x.query("from"), x.query("to"), x.query("group_by"),
        x.query("granularity"), x.query("tenant"));
    var rows = api.usageRows(p, onlyTenant, x.snapshot().config().timeZone());
    String accept = x.request().getHeader("accept");
    if (accept != null && accept.contains("text/csv")) {
      List<String> groups = p.groupBy() == null ? List.of()
          : java.util.Arrays.stream(p.groupBy().split(",")).map(String::strip).filter(g -> !g.isEmpty()).toList();
      return new Csv(AdminApi.usageCsv(rows, groups, p.granularity() != null));
    }
    return AdminApi.usageJson(rows);
  }

  private void sendResult(Exchange x, Object result) {
    if (result instanceof Csv csv) {
      HttpServerResponse r = x.response();
      r.setStatusCode(200);
      r.headers().set(CONTENT_TYPE, "text/csv; charset=utf-8").set(REQUEST_ID, x.requestId());
      r.end(csv.text());
    } else {
      sendJson(x, 200, (JsonNode) result);
    }
  }

  /** An admin body: a JSON object, or none (an empty object). */
  private ObjectNode jsonObject(Buffer raw) {
    return raw.length() == 0 ? Json.MAPPER.createObjectNode() : jsonObject(raw.getBytes());
  }

  /** A body that must be a JSON object, or the {@code invalid_json} error that says what is wrong with it. */
  private static ObjectNode jsonObject(byte[] bytes) {
    try {
      if (Json.MAPPER.readTree(bytes) instanceof ObjectNode o) return o;
    } catch (JsonProcessingException e) {
      throw invalid("The request body is not valid JSON, " + Json.syntaxProblem(e), null, "invalid_json");
    } catch (java.io.IOException e) {
      throw invalid("The request body could not be read as JSON.", null, "invalid_json");
    }
    throw invalid("The request body must be a JSON object.", null, "invalid_json");
  }

  private JsonNode adminConfig(Exchange x) {
    GatewayConfig c = x.snapshot().config();
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("source", c.source());
    o.put("loaded_at", java.time.Instant.ofEpochSecond(x.snapshot().loadedAtEpochSecond()).toString());
    o.put("listen", c.listen().toString());
    o.put("max_request_body", c.maxRequestBody());
    ArrayNode models = o.putArray("models");
    for (ModelConfig m : c.models()) {
      ObjectNode mo = models.addObject();
      mo.put("name", m.name());
      mo.put("routing", m.routing().name().toLowerCase());
      mo.set("fallbacks", Json.MAPPER.valueToTree(m.fallbacks()));
      ArrayNode ds = mo.putArray("deployments");
      for (DeploymentConfig d : m.deployments()) {
        ObjectNode dob = ds.addObject();
        dob.put("id", d.id());
        dob.put("provider", d.provider().wireName());
        dob.put("base_url", d.baseUrl().toString());
        dob.put("model", d.upstreamModel().orElse(null));
        dob.put("pool", d.pool());
        dob.put("weight", d.weight());
        dob.put("max_concurrency", d.maxConcurrency());
        dob.put("api_key", d.apiKey().isEmpty() ? "none" : "set");
      }
    }
    return o;
  }

  private JsonNode adminDeployments(Exchange x) {
    long now = nanoClock.getAsLong();
    ObjectNode o = Json.MAPPER.createObjectNode();
    ArrayNode list = o.putArray("deployments");
    for (ModelConfig m : x.snapshot().config().models()) {
      for (Deployment d : x.snapshot().catalog().deployments(m.name())) {
        ObjectNode n = list.addObject();
        n.put("model", m.name());
        n.put("id", d.id());
        n.put("pool", d.config().pool());
        n.put("outstanding", d.state().outstanding());
        n.put("circuit", d.state().breaker().state(now).name().toLowerCase());
        n.put("cooling_ms", d.state().coolingNanos(now) / 1_000_000);
        if (d.state().hourly() != null) {
          // a deployment paid by the hour: what its idle time has cost since Sluice started
          n.put("cost_per_hour_usd", d.config().costPerHour().map(java.math.BigDecimal::toPlainString).orElse(null));
          n.put("idle_cost_usd", d.state().hourly().idleCost().toUsd());
        }
      }
    }
    return o;
  }

  // ---------------------------------------------------------------- helpers

  private static void requireClientKey(Exchange x) {
    GatewayConfig config = x.snapshot().config();
    if (config.adminKey().isEmpty()) return;
    String presented = IdentifyStage.bearer(x.request().getHeader("authorization"));
    if (presented == null) {
      throw new GatewayException(new GatewayError.Unauthenticated("Missing API key. Send it as 'Authorization: Bearer <key>'."));
    }
    if (!IdentifyStage.matches(presented, config.adminKey().get())) {
      throw new GatewayException(new GatewayError.Unauthenticated("Incorrect API key provided."));
    }
  }

  private void sendJson(Exchange x, int status, JsonNode body) {
    HttpServerResponse r = x.response();
    r.setStatusCode(status);
    r.headers().set(CONTENT_TYPE, JSON).set(REQUEST_ID, x.requestId());
    r.end(toBuffer(body));
  }

  private void sendError(Exchange x, GatewayError error) {
    sendError(x, error, false);
  }

  private void sendError(Exchange x, GatewayError error, boolean closeAfter) {
    HttpServerResponse r = x.response();
    if (r.ended() || r.closed()) return;
    if (r.headWritten()) {
      r.end();
      return;
    }
    ErrorWire.Response wire = ErrorWire.of(error);
    r.setStatusCode(wire.status());
    r.headers().set(CONTENT_TYPE, JSON).set(REQUEST_ID, x.requestId());
    wire.headers().forEach(r.headers()::set);
    boolean http1 = x.request().version() != io.vertx.core.http.HttpVersion.HTTP_2;
    if (closeAfter && http1) {
      r.headers().set("connection", "close");
      discardRestOfBody(x);
    }
    r.end(toBuffer(wire.body()));
  }

  /**
   * After refusing a body that is too large, reads and drops the rest of it for a moment before
   * closing the connection: closing at once would reset the connection under a client that is
   * still sending, and it would never see the 413.
   */
  private void discardRestOfBody(Exchange x) {
    HttpServerRequest req = x.request();
    long cap = 16 * x.snapshot().config().maxRequestBody();
    long[] dropped = {0};
    var vertx = io.vertx.core.Vertx.currentContext().owner();
    long timer = vertx.setTimer(2_000, id -> req.connection().close());
    req.handler(chunk -> {
      dropped[0] += chunk.length();
      if (dropped[0] > cap) {
        vertx.cancelTimer(timer);
        req.connection().close();
      }
    });
    req.endHandler(v -> {
      vertx.cancelTimer(timer);
      req.response().endHandler(e -> req.connection().close());
      if (req.response().ended()) req.connection().close();
    });
    req.exceptionHandler(err -> vertx.cancelTimer(timer));
    req.resume();
  }

  private static Buffer toBuffer(JsonNode node) {
    try {
      return Buffer.buffer(Json.MAPPER.writeValueAsBytes(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static GatewayException invalid(String message, String param, String code) {
    return new GatewayException(new GatewayError.InvalidRequest(message, param, code));
  }

  private static String normalize(String path) {
    if (path == null || path.isEmpty()) return "/";
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /** The path parameters when {@code pattern} matches {@code path}, else {@code null}. */
  private static Map<String, String> match(String pattern, String path) {
    if (pattern.indexOf('{') < 0) return pattern.equals(path) ? Map.of() : null;
    String[] ps = pattern.split("/");
    String[] xs = path.split("/", -1);
    boolean rest = ps[ps.length - 1].endsWith("+}");
    if (rest ? xs.length < ps.length : ps.length != xs.length) return null;
    Map<String, String> params = new java.util.HashMap<>();
    for (int i = 0; i < ps.length; i++) {
      if (rest && i == ps.length - 1) {
        String value = String.join("/", java.util.Arrays.copyOfRange(xs, i, xs.length));
        if (value.isEmpty()) return null;
        params.put(ps[i].substring(1, ps[i].length() - 2), java.net.URLDecoder.decode(value, java.nio.charset.StandardCharsets.UTF_8));
      } else if (ps[i].startsWith("{") && ps[i].endsWith("}")) {
        if (xs[i].isEmpty()) return null;
        params.put(ps[i].substring(1, ps[i].length() - 1), java.net.URLDecoder.decode(xs[i], java.nio.charset.StandardCharsets.UTF_8));
      } else if (!ps[i].equals(xs[i])) {
        return null;
      }
    }
    return params;
  }

  /**
   * A request id that sorts by time: 13 hex digits of microseconds since the epoch, then 11 random
   * ones. Ids that arrive in order keep the ledger's unique index cheap to insert into (random ids
   * scatter every insert across the index).
   */
  static String newRequestId() {
    long micros = System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
    long random = ThreadLocalRandom.current().nextLong() & 0xFFFFFFFFFFFL;
    char[] out = new char[4 + 13 + 11];
    "req_".getChars(0, 4, out, 0);
    for (int i = 16; i >= 4; i--) {
      out[i] = HEX[(int) (micros & 0xF)];
      micros >>>= 4;
    }
    for (int i = 27; i >= 17; i--) {
      out[i] = HEX[(int) (random & 0xF)];
      random >>>= 4;
    }
    return new String(out);
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();
}
