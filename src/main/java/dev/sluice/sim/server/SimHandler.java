package dev.sluice.sim.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.api.RequestValidator;
import dev.sluice.error.ErrorWire;
import dev.sluice.error.GatewayException;
import dev.sluice.sim.content.Answer;
import dev.sluice.sim.content.AnswerPlanner;
import dev.sluice.sim.content.AnswerRequest;
import dev.sluice.sim.content.PromptTokens;
import dev.sluice.sim.content.ToolScript;
import dev.sluice.sim.content.Tokenizer;
import dev.sluice.sim.fault.Fault;
import dev.sluice.sim.fault.FaultPlan;
import dev.sluice.sim.model.Engine;
import dev.sluice.sim.model.EngineStats;
import dev.sluice.sim.model.Job;
import dev.sluice.sim.model.JobListener;
import dev.sluice.sim.model.PrefixHashes;
import dev.sluice.sim.model.Rejection;
import dev.sluice.sim.profile.Pricing;
import dev.sluice.sim.profile.Profile;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The emulated server's HTTP surface: one table of endpoints ({@link #handle}), decoding of the
 * OpenAI request into an {@link AnswerRequest} and a {@link Job}, the injected fault, and the
 * {@link Exchange} that turns the engine's token events into a JSON body or an SSE stream. Errors
 * use the OpenAI format {@code {"error":{"message","type","param","code"}}}.
 *
 * <p>Runs on one event loop: the handler, the engine, the scheduler and the metrics share it, so
 * none of them needs locks.
 */
final class SimHandler implements Handler<HttpServerRequest> {
  /** Request header naming the dataset row to answer with. */
  static final String ROW_HEADER = "X-Sluice-Sim-Row";
  /** Response header saying whether the dataset marks the answer correct. */
  static final String CORRECT_HEADER = "X-Sluice-Sim-Correct";
  /** Request header carrying a {@link ToolScript}. */
  static final String TOOLS_HEADER = "X-Sluice-Sim-Tools";
  /** The {@code metadata} key that may carry a {@link ToolScript} instead of the header. */
  static final String TOOLS_METADATA = "sluice_sim_tools";
  private static final long MAX_BODY = 64L << 20;

  private final Profile profile;
  private final RealTimeScheduler scheduler;
  private final Engine engine;
  private final AnswerPlanner planner;
  private final FaultPlan faults;
  private final SimMetrics metrics;
  private final WireFormat wire;
  private final long seed;
  private final long startedEpochSecond = System.currentTimeMillis() / 1000;
  private long requests;

  SimHandler(Profile profile, SimOptions options, RealTimeScheduler scheduler) {
    this.profile = profile;
    this.scheduler = scheduler;
    this.engine = profile.newEngine(scheduler, options.seed());
    this.planner = new AnswerPlanner(profile.content(), options.dataset());
    this.faults = new FaultPlan(options.faults() != null ? options.faults() : profile.faults(), options.seed() ^ 0xFA17L);
    this.metrics = new SimMetrics(profile.servedModel());
    this.wire = new WireFormat(profile.servedModel());
    this.seed = options.seed();
  }

  EngineStats stats() {
    return engine.stats();
  }

  String metricsText() {
    long hourly = profile.pricing() instanceof Pricing.Hourly h ? h.costNanoUsd(scheduler.now()) : 0;
    return metrics.render(engine.stats(), hourly);
  }

  @Override
  public void handle(HttpServerRequest req) {
    scheduler.runDue();
    String path = req.path();
    if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
    HttpMethod method = req.method();
    try {
      switch (path) {
        case "/v1/chat/completions" -> post(req, method, this::chat);
        case "/v1/completions" -> post(req, method, this::completion);
        case "/v1/embeddings" -> post(req, method, this::embeddings);
        case "/v1/models" -> get(req, method, () -> json(req.response(), 200, wire.models(startedEpochSecond, profile.name(), profile.maxContextTokens())));
        case "/metrics" -> get(req, method, () -> req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(metricsText()));
        case "/health", "/healthz" -> get(req, method, () -> req.response().end());
        default -> {
          if (path.startsWith("/v1/models/")) {
            String id = path.substring("/v1/models/".length());
            get(req, method, () -> {
              if (acceptsModel(id)) {
                json(req.response(), 200, wire.model(startedEpochSecond, profile.name(), profile.maxContextTokens()));
              } else {
                error(req.response(), 404, "The model '" + id + "' does not exist.", "invalid_request_error", "model", "model_not_found");
              }
            });
          } else {
            error(req.response(), 404, "Unknown endpoint " + method + " " + path + ". The emulator serves POST /v1/chat/completions, "
                + "POST /v1/completions, POST /v1/embeddings, GET /v1/models and GET /metrics.", "invalid_request_error", null, "unknown_url");
          }
        }
      }
    } catch (RuntimeException e) {
      error(req.response(), 500, "The emulator failed: " + e, "server_error", null, "internal_error");
    }
  }

  private interface BodyHandler {
    void handle(HttpServerRequest req, ObjectNode body);
  }

  private void post(HttpServerRequest req, HttpMethod method, BodyHandler handler) {
    if (method != HttpMethod.POST) {
      req.response().putHeader("Allow", "POST");
      error(req.response(), 405, method + " is not allowed on " + req.path() + "; use POST.", "invalid_request_error", null, "method_not_allowed");
      return;
    }
    String length = req.getHeader("content-length");
    if (length != null && length.matches("\\d{1,19}") && Long.parseLong(length) > MAX_BODY) {
      req.response().putHeader("connection", "close");
      error(req.response(), 413, "Request body exceeds the emulator's limit of " + MAX_BODY + " bytes.", "invalid_request_error", null, "request_too_large");
      return;
    }
    req.body().onComplete(read -> {
      if (read.failed()) {
        req.connection().close();
        return;
      }
      scheduler.runDue();
      ObjectNode body;
      try {
        JsonNode node = Json.MAPPER.readTree(read.result().getBytes());
        if (!(node instanceof ObjectNode o)) {
          error(req.response(), 400, "The request body must be a JSON object.", "invalid_request_error", null, "invalid_json");
          return;
        }
        body = o;
      } catch (JsonProcessingException e) {
        error(req.response(), 400, "The request body is not valid JSON, " + Json.syntaxProblem(e), "invalid_request_error", null, "invalid_json");
        return;
      } catch (java.io.IOException e) {
        error(req.response(), 400, "The request body could not be read as JSON.", "invalid_request_error", null, "invalid_json");
        return;
      }
      try {
        handler.handle(req, body);
      } catch (GatewayException e) {
        ErrorWire.Response wireError = ErrorWire.of(e.error());
        wireError.headers().forEach(req.response()::putHeader);
        json(req.response(), wireError.status(), wireError.body());
      } catch (InvalidRequest e) {
        error(req.response(), e.status, e.getMessage(), "invalid_request_error", e.param, e.code);
      }
    });
  }

  private static void get(HttpServerRequest req, HttpMethod method, Runnable action) {
    if (method != HttpMethod.GET) {
      req.response().putHeader("Allow", "GET");
      error(req.response(), 405, method + " is not allowed on " + req.path() + "; use GET.", "invalid_request_error", null, "method_not_allowed");
      return;
    }
    action.run();
  }

  // ------------------------------------------------------------------ endpoints

  private void chat(HttpServerRequest req, ObjectNode body) {
    RequestValidator.chatCompletion(body);
    requireModel(body);
    requireSingleChoice(body);
    JsonNode messages = body.get("messages");
    JsonNode tools = body.get("tools");
    int[] prompt = PromptTokens.chat(messages, tools);
    int maxTokens = maxTokens(body, prompt.length, -1);
    String lastUser = "";
    int assistantTurns = 0;
    for (JsonNode m : messages) {
      String role = m.path("role").asText();
      if (role.equals("user")) lastUser = PromptTokens.text(m.get("content"));
      if (role.equals("assistant")) assistantTurns++;
    }
    boolean lastIsTool = messages.get(messages.size() - 1).path("role").asText().equals("tool");
    long contentSeed = contentSeed(body, messages.toString());
    AnswerRequest ar = new AnswerRequest(contentSeed, lastUser, req.getHeader(ROW_HEADER), tools(tools), toolChoice(body),
        script(req, body), assistantTurns, lastIsTool, maxTokens, intField(body, "min_tokens", 0), body.path("ignore_eos").asBoolean(false),
        stops(body), body.path("logprobs").asBoolean(false), body.path("top_logprobs").asInt(0));
    boolean stream = body.path("stream").asBoolean(false);
    boolean includeUsage = stream && body.path("stream_options").path("include_usage").asBoolean(false);
    start(req, Kind.CHAT, prompt, maxTokens, ar, stream, includeUsage, null);
  }

  private void completion(HttpServerRequest req, ObjectNode body) {
    requireModel(body);
    requireSingleChoice(body);
    JsonNode p = body.get("prompt");
    String text;
    if (p != null && p.isTextual()) {
      text = p.asText();
    } else if (p != null && p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
      text = p.get(0).asText();
    } else if (p == null || p.isNull()) {
      throw new InvalidRequest(400, "Missing required parameter: 'prompt'.", "prompt", null);
    } else {
      throw new InvalidRequest(400, "The emulator serves one prompt per request: 'prompt' must be a string or an array of one string.", "prompt", null);
    }
    if (body.has("stop") && !body.get("stop").isNull() && !body.get("stop").isTextual() && !body.get("stop").isArray()) {
      throw new InvalidRequest(400, "Invalid type for 'stop': expected a string or an array of strings.", "stop", null);
    }
    int[] prompt = PromptTokens.completion(text);
    int maxTokens = maxTokens(body, prompt.length, 16);
    boolean logprobs = body.path("logprobs").isInt() && body.path("logprobs").asInt() > 0;
    AnswerRequest ar = new AnswerRequest(contentSeed(body, text), text, req.getHeader(ROW_HEADER), List.of(), AnswerRequest.ToolChoice.AUTO,
        null, 0, false, maxTokens, intField(body, "min_tokens", 0), body.path("ignore_eos").asBoolean(false), stops(body), logprobs,
        logprobs ? body.path("logprobs").asInt() : 0);
    boolean stream = body.path("stream").asBoolean(false);
    boolean includeUsage = stream && body.path("stream_options").path("include_usage").asBoolean(false);
    start(req, Kind.COMPLETION, prompt, maxTokens, ar, stream, includeUsage, null);
  }

  private void embeddings(HttpServerRequest req, ObjectNode body) {
    RequestValidator.embeddings(body);
    requireModel(body);
    JsonNode input = body.get("input");
    List<String> texts = new ArrayList<>();
    int tokens = 0;
    if (input.isTextual()) {
      texts.add(input.asText());
    } else if (input.isArray() && !input.isEmpty() && input.get(0).isIntegralNumber()) {
      texts.add(input.toString());
      tokens = input.size();
    } else {
      for (JsonNode item : input) {
        texts.add(item.isTextual() ? item.asText() : item.toString());
        if (item.isArray()) tokens += item.size();
      }
    }
    for (int i = 0; i < texts.size(); i++) {
      JsonNode item = input.isArray() ? input.get(i) : input;
      if (item != null && item.isTextual()) tokens += Tokenizer.count(item.asText());
    }
    int dims = body.path("dimensions").asInt(profile.content().embeddingDimensions());
    List<float[]> vectors = new ArrayList<>(texts.size());
    for (String t : texts) vectors.add(vector(t, dims));
    boolean base64 = "base64".equals(body.path("encoding_format").asText(null));
    Embedding e = new Embedding(vectors, base64);
    start(req, Kind.EMBEDDINGS, new int[Math.max(1, tokens)], 0, null, false, false, e);
  }

  /** A deterministic unit vector for {@code text}. */
  private float[] vector(String text, int dims) {
    SplittableRandom r = new SplittableRandom(seed ^ fnv(text));
    float[] v = new float[dims];
    double norm = 0;
    for (int i = 0; i < dims; i++) {
      v[i] = (float) r.nextGaussian();
      norm += v[i] * v[i];
    }
    float inv = (float) (1 / Math.sqrt(norm));
    for (int i = 0; i < dims; i++) v[i] *= inv;
    return v;
  }

  private record Embedding(List<float[]> vectors, boolean base64) {}

  enum Kind { CHAT, COMPLETION, EMBEDDINGS }

  /** Plans the answer, applies the fault, and submits the job. */
  private void start(HttpServerRequest req, Kind kind, int[] prompt, int maxTokens, AnswerRequest ar, boolean stream,
      boolean includeUsage, Embedding embedding) {
    Answer answer = null;
    Boolean correct = null;
    String rowId = null;
    if (ar != null) {
      switch (planner.plan(ar)) {
        case AnswerPlanner.Plan.NoRow n -> throw new InvalidRequest(400, n.message(), null, "dataset_row_not_found");
        case AnswerPlanner.Plan.Planned p -> {
          answer = p.answer();
          correct = p.correct();
          rowId = p.rowId();
        }
      }
    }
    Fault fault;
    try {
      fault = faults.next(scheduler.secondsSinceStart(), req.getHeader(FaultPlan.HEADER));
    } catch (IllegalArgumentException e) {
      throw new InvalidRequest(400, e.getMessage(), null, "invalid_fault");
    }
    HttpServerResponse res = req.response();
    long n = ++requests;
    String id = (kind == Kind.COMPLETION ? "cmpl-" : "chatcmpl-") + Long.toHexString(mix(seed + n) & Long.MAX_VALUE);
    if (correct != null) res.putHeader(CORRECT_HEADER, correct.toString());
    if (rowId != null) res.putHeader(ROW_HEADER, rowId);
    res.putHeader("x-request-id", id);
    if (!(fault instanceof Fault.None)) metrics.fault(faultName(fault));
    switch (fault) {
      case Fault.ServerError e -> {
        error(res, e.status(), "The server had an error while processing your request (emulated fault).", "server_error", null, null);
        return;
      }
      case Fault.RateLimited r -> {
        retryAfter(res, Math.round(r.retryAfterSeconds() * 1e9));
        error(res, 429, "Rate limit reached (emulated fault). Please try again later.", "requests", null, "rate_limit_exceeded");
        return;
      }
      case Fault.Outage o -> {
        retryAfter(res, Math.round(o.secondsLeft() * 1e9));
        error(res, 503, "The server is temporarily unavailable (emulated outage).", "server_error", null, "service_unavailable");
        return;
      }
      case Fault.Hang h -> {
        return;
      }
      case Fault.Reset r when !stream -> {
        req.connection().close();
        return;
      }
      default -> { }
    }
    int blockTokens = profile.prefixBlockTokens();
    long[] blocks = blockTokens > 0 ? PrefixHashes.of(prompt, blockTokens) : new long[0];
    int output = answer == null ? 0 : answer.outputTokens();
    Job job = new Job(id, prompt.length, blocks, output, Math.max(output, maxTokens));
    Exchange x = new Exchange(req, kind, id, prompt.length, answer, stream, includeUsage, fault, embedding);
    x.start(job);
  }

  // ------------------------------------------------------------------ the exchange

  /**
   * One request in flight: listens to the engine and writes the answer. Streams write a role
   * chunk and the first token at the first token's time, one chunk per later token, then the
   * finish chunk, the usage chunk when asked for, and {@code [DONE]}.
   */
  private final class Exchange implements JobListener {
    private final HttpServerRequest req;
    private final HttpServerResponse res;
    private final Kind kind;
    private final String id;
    private final int promptTokens;
    private final Answer answer;
    private final boolean stream;
    private final boolean includeUsage;
    private final Fault fault;
    private final Embedding embedding;
    private final long created = System.currentTimeMillis() / 1000;
    private final long slowNanos;
    private Engine.Ticket ticket;
    private long arrived;
    private long lastToken = -1;
    private long nextWriteAt;
    private int cached = -1;
    private int written;
    private boolean closed;

    Exchange(HttpServerRequest req, Kind kind, String id, int promptTokens, Answer answer, boolean stream, boolean includeUsage,
        Fault fault, Embedding embedding) {
      this.req = req;
      this.res = req.response();
      this.kind = kind;
      this.id = id;
      this.promptTokens = promptTokens;
      this.answer = answer;
      this.stream = stream;
      this.includeUsage = includeUsage;
      this.fault = fault;
      this.embedding = embedding;
      this.slowNanos = fault instanceof Fault.Slow s ? Math.round(s.extraMsPerToken() * 1e6) : 0;
    }

    void start(Job job) {
      arrived = scheduler.now();
      res.closeHandler(v -> gone());
      res.exceptionHandler(e -> gone());
      ticket = engine.submit(job, this);
    }

    private void gone() {
      if (closed) return;
      closed = true;
      if (ticket != null) ticket.cancel();
    }

    @Override
    public void onScheduled(long nanos, int cachedPromptTokens) {
      if (cached < 0) {
        cached = cachedPromptTokens;
        metrics.queue.observe((nanos - arrived) / 1e9);
      }
    }

    @Override
    public void onToken(int index, long nanos) {
      if (index == 0) {
        metrics.ttft.observe((nanos - arrived) / 1e9);
      } else {
        metrics.tpot.observe((nanos - lastToken) / 1e9);
      }
      lastToken = nanos;
      if (stream) deliver(() -> writeToken(index));
    }

    @Override
    public void onFinished(long nanos) {
      metrics.e2e.observe((nanos - arrived) / 1e9);
      String reason = answer == null ? "stop" : answer.finishReason();
      metrics.finished(reason);
      if (profile.pricing() instanceof Pricing.PerToken p) {
        metrics.cost(p.costNanoUsd(promptTokens, Math.max(0, cached), answer == null ? 0 : answer.outputTokens()));
      }
      deliver(this::writeEnd);
    }

    @Override
    public void onRejected(Rejection rejection) {
      closed = true;
      switch (rejection) {
        case Rejection.RateLimited r -> {
          metrics.rejected("rate_limited");
          if (r.retryAfterNanos() >= 0) retryAfter(res, r.retryAfterNanos());
          error(res, 429, r.message(), r.limit() == Rejection.RateLimited.Limit.REQUESTS ? "requests" : "tokens",
              null, "rate_limit_exceeded");
        }
        case Rejection.TooLong t -> {
          metrics.rejected("too_long");
          error(res, 400, t.message(), "invalid_request_error", "messages", "context_length_exceeded");
        }
        case Rejection.ServerError e -> {
          metrics.rejected("server_error");
          error(res, 500, e.message(), "server_error", null, null);
        }
      }
    }

    /** Runs {@code write} now, or later for a slow stream, keeping writes in order. */
    private void deliver(Runnable write) {
      if (slowNanos == 0) {
        write.run();
        return;
      }
      nextWriteAt = Math.max(scheduler.now(), nextWriteAt) + slowNanos;
      scheduler.schedule(nextWriteAt, write);
    }

    private void writeToken(int index) {
      if (closed) return;
      if (written == 0) {
        res.setChunked(true);
        res.putHeader("content-type", "text/event-stream; charset=utf-8");
        res.putHeader("cache-control", "no-cache");
        if (kind == Kind.CHAT) event(wire.chatRoleChunk(id, created));
      }
      if (fault instanceof Fault.Malformed && written == 0) {
        res.write("data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\n\n");
      }
      if (kind == Kind.CHAT) {
        event(wire.chatTokenChunk(id, created, answer, index));
      } else {
        event(wire.textChunk(id, created, ((Answer.Text) answer).deltas().get(index), null));
      }
      written++;
      if (fault instanceof Fault.Reset r && written >= r.afterTokens()) {
        closed = true;
        ticket.cancel();
        req.connection().close();
      }
    }

    private void writeEnd() {
      if (closed) return;
      closed = true;
      WireFormat.Usage usage = new WireFormat.Usage(promptTokens, answer == null ? 0 : answer.outputTokens(), Math.max(0, cached));
      if (kind == Kind.EMBEDDINGS) {
        json(res, 200, wire.embeddings(embedding.vectors(), embedding.base64(), promptTokens));
        return;
      }
      if (!stream) {
        ObjectNode body = kind == Kind.CHAT ? wire.chatCompletion(id, created, answer, usage)
            : wire.textCompletion(id, created, (Answer.Text) answer, usage);
        if (fault instanceof Fault.Malformed) {
          String s = body.toString();
          res.putHeader("content-type", "application/json").setStatusCode(200).end(s.substring(0, s.length() / 2));
        } else {
          json(res, 200, body);
        }
        return;
      }
      if (written == 0) {
        res.setChunked(true);
        res.putHeader("content-type", "text/event-stream; charset=utf-8");
        if (kind == Kind.CHAT) event(wire.chatRoleChunk(id, created));
      }
      String object = kind == Kind.CHAT ? "chat.completion.chunk" : "text_completion";
      event(kind == Kind.CHAT ? wire.chatFinishChunk(id, created, answer.finishReason()) : wire.textChunk(id, created, "", answer.finishReason()));
      if (includeUsage) event(wire.usageChunk(id, object, created, usage));
      res.end("data: [DONE]\n\n");
    }

    private void event(String payload) {
      Buffer b = Buffer.buffer(payload.length() + 8);
      b.appendString("data: ").appendString(payload).appendString("\n\n");
      res.write(b);
    }
  }

  // ------------------------------------------------------------------ decoding helpers

  /** A request the emulator refuses, with the HTTP status and the OpenAI error fields. */
  private static final class InvalidRequest extends RuntimeException {
    final int status;
    final String param;
    final String code;

    InvalidRequest(int status, String message, String param, String code) {
      super(message, null, false, false);
      this.status = status;
      this.param = param;
      this.code = code;
    }
  }

  private boolean acceptsModel(String model) {
    return model.equals(profile.servedModel()) || model.equals(profile.name());
  }

  private void requireModel(ObjectNode body) {
    JsonNode m = body.get("model");
    if (m == null || !m.isTextual() || m.asText().isBlank()) {
      throw new InvalidRequest(400, "Missing required parameter: 'model'.", "model", null);
    }
    if (!acceptsModel(m.asText())) {
      throw new InvalidRequest(404, "The model '" + m.asText() + "' does not exist. This emulated server serves '"
          + profile.servedModel() + "' (profile " + profile.name() + ").", "model", "model_not_found");
    }
  }

  private static void requireSingleChoice(ObjectNode body) {
    if (body.path("n").asInt(1) != 1) {
      throw new InvalidRequest(400, "The emulator answers with one choice: 'n' must be 1.", "n", null);
    }
  }

  /** The output budget: max_completion_tokens, else max_tokens, else the default (-1: the room left in the context). */
  private int maxTokens(ObjectNode body, int promptTokens, int defaultMax) {
    int context = profile.maxContextTokens();
    JsonNode v = body.hasNonNull("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
    Integer asked = v == null || v.isNull() ? null : v.asInt();
    if (asked != null && asked < 1) throw new InvalidRequest(400, "Invalid 'max_tokens': must be at least 1.", "max_tokens", null);
    int room = context - promptTokens;
    if (room < 1 || (asked != null && asked > room)) {
      throw new InvalidRequest(400, "This model's maximum context length is " + context + " tokens. However, you requested "
          + (promptTokens + (asked == null ? 1 : asked)) + " tokens (" + promptTokens + " in the messages, " + (asked == null ? 1 : asked)
          + " in the completion). Please reduce the length of the messages or completion.", "messages", "context_length_exceeded");
    }
    if (asked != null) return asked;
    return defaultMax > 0 ? Math.min(defaultMax, room) : room;
  }

  private static int intField(ObjectNode body, String field, int defaultValue) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) return defaultValue;
    if (!v.isIntegralNumber() || v.asInt() < 0) throw new InvalidRequest(400, "Invalid '" + field + "': expected a non-negative integer.", field, null);
    return v.asInt();
  }

  private static List<String> stops(ObjectNode body) {
    JsonNode s = body.get("stop");
    if (s == null || s.isNull()) return List.of();
    if (s.isTextual()) return List.of(s.asText());
    List<String> out = new ArrayList<>();
    for (JsonNode x : s) out.add(x.asText());
    return out;
  }

  private static List<AnswerRequest.Tool> tools(JsonNode tools) {
    if (tools == null || !tools.isArray()) return List.of();
    List<AnswerRequest.Tool> out = new ArrayList<>();
    for (JsonNode t : tools) {
      JsonNode f = t.path("function");
      String name = f.path("name").asText("");
      if (name.isEmpty()) throw new InvalidRequest(400, "Every tool needs 'function.name'.", "tools", null);
      out.add(new AnswerRequest.Tool(name, f.get("parameters")));
    }
    return out;
  }

  private static AnswerRequest.ToolChoice toolChoice(ObjectNode body) {
    JsonNode c = body.get("tool_choice");
    if (c == null || c.isNull()) return AnswerRequest.ToolChoice.AUTO;
    if (c.isTextual()) {
      return switch (c.asText()) {
        case "none" -> new AnswerRequest.ToolChoice(AnswerRequest.ToolChoice.Mode.NONE, null);
        case "required" -> new AnswerRequest.ToolChoice(AnswerRequest.ToolChoice.Mode.REQUIRED, null);
        case "auto" -> AnswerRequest.ToolChoice.AUTO;
        default -> throw new InvalidRequest(400, "Invalid 'tool_choice': expected \"none\", \"auto\", \"required\" or a named function.", "tool_choice", null);
      };
    }
    String name = c.path("function").path("name").asText("");
    if (name.isEmpty()) throw new InvalidRequest(400, "Invalid 'tool_choice': a named choice needs function.name.", "tool_choice", null);
    return new AnswerRequest.ToolChoice(AnswerRequest.ToolChoice.Mode.NAMED, name);
  }

  private static ToolScript script(HttpServerRequest req, ObjectNode body) {
    String text = req.getHeader(TOOLS_HEADER);
    String where = TOOLS_HEADER + " header";
    if (text == null) {
      JsonNode m = body.path("metadata").get(TOOLS_METADATA);
      if (m != null && m.isTextual()) {
        text = m.asText();
        where = "metadata." + TOOLS_METADATA;
      }
    }
    if (text == null || text.isBlank()) return null;
    try {
      return ToolScript.parse(text);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequest(400, "Invalid tool script in " + where + ": " + e.getMessage(), null, "invalid_tool_script");
    }
  }

  /** The seed of a request's content: equal for equal requests (stream flags and budgets aside). */
  private long contentSeed(ObjectNode body, String prompt) {
    long h = fnv(prompt);
    for (String field : new String[] {"model", "tools", "tool_choice", "temperature", "top_p", "seed"}) {
      JsonNode v = body.get(field);
      if (v != null) h = h * 31 + fnv(field + "=" + v);
    }
    return mix(h ^ mix(seed));
  }

  /** The SplitMix64 finaliser. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static long fnv(String s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    return h;
  }

  private static String faultName(Fault f) {
    return switch (f) {
      case Fault.None n -> "none";
      case Fault.ServerError e -> "http_" + e.status();
      case Fault.RateLimited r -> "http_429";
      case Fault.Hang h -> "hang";
      case Fault.Reset r -> "reset";
      case Fault.Malformed m -> "malformed";
      case Fault.Slow s -> "slow";
      case Fault.Outage o -> "outage";
    };
  }

  // ------------------------------------------------------------------ writing

  /** Sets {@code Retry-After} (whole seconds, rounded up) and {@code retry-after-ms} for a wait of emulated nanoseconds, in wall time. */
  private void retryAfter(HttpServerResponse res, long emulatedNanos) {
    double ms = scheduler.wallMillis(emulatedNanos);
    res.putHeader("retry-after", Long.toString(Math.max(1, (long) Math.ceil(ms / 1000))));
    res.putHeader("retry-after-ms", Long.toString((long) Math.ceil(ms)));
  }

  private static void json(HttpServerResponse res, int status, JsonNode body) {
    if (res.ended() || res.closed()) return;
    res.setStatusCode(status).putHeader("content-type", "application/json").end(body.toString());
  }

  static void error(HttpServerResponse res, int status, String message, String type, String param, String code) {
    if (res.ended() || res.closed() || res.headWritten()) return;
    json(res, status, ErrorWire.body(message, type, param, code));
  }
}
