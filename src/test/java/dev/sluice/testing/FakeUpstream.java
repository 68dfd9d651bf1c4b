package dev.sluice.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted OpenAI-compatible upstream for black-box tests. Its behaviour is chosen by the model
 * name Sluice sends upstream (so a test config picks it per deployment):
 *
 * <ul>
 *   <li>{@code ok} (or anything unrecognised): a chat completion that echoes the last user message;
 *       streams as {@code stream-3}; on {@code /embeddings}, one 8-dimensional vector per input
 *       ({@link #embeddingValue}), as floats or, when asked with {@code encoding_format: base64}, as
 *       base64 of little-endian float32 the way OpenAI sends them
 *   <li>{@code stream-N}: N content chunks, a finish chunk and, if asked, a usage chunk
 *   <li>{@code slow-MS}: answers after MS milliseconds
 *   <li>{@code error-STATUS} / {@code error-STATUS-retry-SECONDS}: an OpenAI error with that status
 *   <li>{@code flaky-N-STATUS}: the first N requests fail with STATUS, later ones succeed
 *   <li>{@code slowflaky-N-STATUS-MS}: as {@code flaky-N-STATUS}, each answer (failure or not) after MS
 *       milliseconds
 *   <li>{@code malformed}: a 200 whose body (or stream event) is not JSON
 *   <li>{@code hang}: never answers
 *   <li>{@code reset}: closes the connection without answering
 *   <li>{@code reset-mid-stream}: streams two chunks, then closes the connection
 *   <li>{@code stall-mid-stream}: streams two chunks, then goes silent
 *   <li>{@code slow-stream-MS}: streams 3 chunks, MS apart
 *   <li>{@code tools}: answers with two parallel tool calls
 *   <li>{@code logprobs-MILLI}: like {@code ok}, and when asked ({@code logprobs: true}) gives every
 *       token of the answer the log-probability {@code -MILLI/1000} ({@code logprobs-50}: a confident
 *       answer, {@code logprobs-2000}: an unsure one)
 * </ul>
 *
 * Every request is recorded with its headers and body, and counted per model name.
 */
public final class FakeUpstream implements AutoCloseable {

  /** One request as the upstream saw it. */
  public record Recorded(String method, String path, MultiMap headers, ObjectNode body) {}

  private final Vertx vertx;
  private final HttpServer server;
  private final List<Recorded> requests = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

  private FakeUpstream(Vertx vertx) throws Exception {
    this.vertx = vertx;
    this.server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
        .await(10, TimeUnit.SECONDS);
  }

  public static FakeUpstream start() {
    try {
      return new FakeUpstream(Vertx.vertx());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public int port() {
    return server.actualPort();
  }

  /** The base URL to put in a deployment's {@code base_url}. */
  public String baseUrl() {
    return "http://127.0.0.1:" + port() + "/v1";
  }

  public List<Recorded> requests() {
    return List.copyOf(requests);
  }

  /** How many requests arrived for an upstream model name. */
  public int count(String model) {
    AtomicInteger n = counts.get(model);
    return n == null ? 0 : n.get();
  }

  public void reset() {
    requests.clear();
    counts.clear();
  }

  @Override
  public void close() {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // best effort
    }
  }

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(buf -> {
      ObjectNode body;
      try {
        JsonNode n = buf.length() == 0 ? Json.MAPPER.createObjectNode() : Json.MAPPER.readTree(buf.getBytes());
        body = n instanceof ObjectNode o ? o : Json.MAPPER.createObjectNode();
      } catch (Exception e) {
        body = Json.MAPPER.createObjectNode();
      }
      MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
      requests.add(new Recorded(req.method().name(), req.path(), headers, body));
      String model = body.path("model").asText("ok");
      int n = counts.computeIfAbsent(model, k -> new AtomicInteger()).incrementAndGet();
      respond(req, body, model, n);
    });
  }

  private void respond(HttpServerRequest req, ObjectNode body, String model, int n) {
    HttpServerResponse res = req.response();
    String path = req.path();
    if (path.endsWith("/models")) {
      json(res, 200, Json.MAPPER.createObjectNode().put("object", "list").set("data", Json.MAPPER.createArrayNode()));
      return;
    }
    boolean stream = body.path("stream").asBoolean(false);
    String[] parts = model.split("-");
    switch (parts[0]) {
      case "slow" -> {
        if (parts.length >= 3 && parts[1].equals("stream")) {
          streamChunks(res, body, model, 3, Long.parseLong(parts[2]), null);
        } else {
          long ms = Long.parseLong(parts[1]);
          vertx.setTimer(ms, id -> answer(res, path, body, model, stream, 3));
        }
      }
      case "error" -> {
        int status = Integer.parseInt(parts[1]);
        if (parts.length >= 4 && parts[2].equals("retry")) res.putHeader("retry-after", parts[3]);
        error(res, status, "fake upstream error " + status);
      }
      case "flaky" -> {
        int failures = Integer.parseInt(parts[1]);
        if (n <= failures) {
          error(res, Integer.parseInt(parts[2]), "fake upstream failure " + n + " of " + failures);
        } else {
          answer(res, path, body, model, stream, 3);
        }
      }
      case "slowflaky" -> vertx.setTimer(Long.parseLong(parts[3]), id -> {
        if (n <= Integer.parseInt(parts[1])) {
          error(res, Integer.parseInt(parts[2]), "fake upstream failure " + n);
        } else {
          answer(res, path, body, model, stream, 3);
        }
      });
      case "malformed" -> {
        if (stream) {
          res.putHeader("content-type", "text/event-stream").setChunked(true);
          res.end("data: this is not json\n\n");
        } else {
          res.putHeader("content-type", "application/json").end("{\"id\": \"x\", \"choices\": [");
        }
      }
      case "hang" -> { } // never answer
      case "reset" -> {
        if (parts.length > 1) {
          streamChunks(res, body, model, 5, 20, () -> req.connection().close());
        } else {
          req.connection().close();
        }
      }
      case "stall" -> streamChunks(res, body, model, 5, 20, () -> { });
      case "stream" -> answer(res, path, body, model, stream, Integer.parseInt(parts[1]));
      case "tools" -> {
        if (stream) {
          streamTools(res, model, body);
        } else {
          json(res, 200, toolCompletion(model));
        }
      }
      case "logprobs" -> {
        if (stream || !body.path("logprobs").asBoolean(false)) {
          answer(res, path, body, model, stream, 3);
        } else {
          json(res, 200, withLogprobs(completion(body, model), -Integer.parseInt(parts[1]) / 1000.0));
        }
      }
      default -> answer(res, path, body, model, stream, 3);
    }
  }

  /** The completion with OpenAI's {@code logprobs.content}: one entry per word of the answer, each {@code logprob}. */
  private static ObjectNode withLogprobs(ObjectNode completion, double logprob) {
    ObjectNode choice = (ObjectNode) completion.path("choices").path(0);
    ArrayNode content = choice.putObject("logprobs").putArray("content");
    for (String token : choice.path("message").path("content").asText().split(" ")) {
      content.addObject().put("token", token).put("logprob", logprob).putNull("bytes").putArray("top_logprobs");
    }
    return completion;
  }

  private void answer(HttpServerResponse res, String path, ObjectNode body, String model, boolean stream, int chunks) {
    if (res.closed()) return;
    if (path.endsWith("/embeddings")) {
      json(res, 200, embeddings(body, model));
      return;
    }
    if (stream) {
      streamChunks(res, body, model, chunks, 0, null);
    } else {
      json(res, 200, completion(body, model));
    }
  }

  /** The completion's text: "echo: <last user message>". */
  public static String replyText(ObjectNode body) {
    JsonNode messages = body.path("messages");
    String last = "";
    for (JsonNode m : messages) {
      if ("user".equals(m.path("role").asText())) last = m.path("content").asText();
    }
    return "echo: " + last;
  }

  static ObjectNode completion(ObjectNode body, String model) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("id", "chatcmpl-fake");
    o.put("object", "chat.completion");
    o.put("created", 1_700_000_000L);
    o.put("model", model);
    o.put("system_fingerprint", "fp_fake");
    o.put("x_upstream_extra", "kept");
    ArrayNode choices = o.putArray("choices");
    ObjectNode c = choices.addObject();
    c.put("index", 0);
    ObjectNode msg = c.putObject("message");
    msg.put("role", "assistant");
    msg.put("content", replyText(body));
    c.putNull("logprobs");
    c.put("finish_reason", "stop");
    ObjectNode usage = o.putObject("usage");
    usage.put("prompt_tokens", 12);
    usage.put("completion_tokens", 5);
    usage.put("total_tokens", 17);
    return o;
  }

  static ObjectNode toolCompletion(String model) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("id", "chatcmpl-tools");
    o.put("object", "chat.completion");
    o.put("created", 1_700_000_000L);
    o.put("model", model);
    ObjectNode c = o.putArray("choices").addObject();
    c.put("index", 0);
    ObjectNode msg = c.putObject("message");
    msg.put("role", "assistant");
    msg.putNull("content");
    ArrayNode calls = msg.putArray("tool_calls");
    for (int i = 0; i < 2; i++) {
      ObjectNode call = calls.addObject();
      call.put("id", "call_" + i);
      call.put("type", "function");
      ObjectNode f = call.putObject("function");
      f.put("name", "get_weather");
      f.put("arguments", "{\"city\":\"" + (i == 0 ? "Paris" : "Oslo") + "\"}");
    }
    c.put("finish_reason", "tool_calls");
    ObjectNode usage = o.putObject("usage");
    usage.put("prompt_tokens", 30);
    usage.put("completion_tokens", 20);
    usage.put("total_tokens", 50);
    return o;
  }

  static ObjectNode embeddings(ObjectNode body, String model) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("object", "list");
    ArrayNode data = o.putArray("data");
    JsonNode input = body.path("input");
    int count = input.isArray() ? input.size() : 1;
    boolean base64 = "base64".equals(body.path("encoding_format").asText());
    for (int i = 0; i < count; i++) {
      ObjectNode e = data.addObject();
      e.put("object", "embedding");
      e.put("index", i);
      if (base64) {
        ByteBuffer bytes = ByteBuffer.allocate(8 * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int d = 0; d < 8; d++) bytes.putFloat(embeddingValue(i, d));
        e.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
      } else {
        ArrayNode v = e.putArray("embedding");
        for (int d = 0; d < 8; d++) v.add(embeddingValue(i, d));
      }
    }
    o.put("model", model);
    o.putObject("usage").put("prompt_tokens", 4 * count).put("total_tokens", 4 * count);
    return o;
  }

  /**
   * Component {@code d} of the 8-dimensional vector for input {@code i}: {@code (i + 1) * (d + 1) / 8},
   * exact in float and double alike.
   */
  public static float embeddingValue(int i, int d) {
    return (i + 1) * 0.125f * (d + 1);
  }

  private void streamChunks(HttpServerResponse res, ObjectNode body, String model, int contentChunks, long gapMs,
      Runnable breakAfterTwo) {
    res.putHeader("content-type", "text/event-stream").setChunked(true);
    boolean usage = body.path("stream_options").path("include_usage").asBoolean(false);
    String text = replyText(body);
    String[] pieces = split(text, contentChunks);
    java.util.ArrayList<String> events = new java.util.ArrayList<>();
    events.add(chunk(model, "{\"role\":\"assistant\",\"content\":\"\"}", null, null));
    for (String p : pieces) {
      events.add(chunk(model, "{\"content\":" + Json.MAPPER.valueToTree(p) + "}", null, null));
    }
    events.add(chunk(model, "{}", "\"stop\"", null));
    if (usage) {
      events.add("{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\""
          + model + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":" + contentChunks
          + ",\"total_tokens\":" + (12 + contentChunks) + "}}");
    }
    sendEvents(res, events, 0, gapMs, breakAfterTwo);
  }

  private void sendEvents(HttpServerResponse res, List<String> events, int i, long gapMs, Runnable breakAfterTwo) {
    if (res.closed()) return;
    if (breakAfterTwo != null && i == 2) {
      breakAfterTwo.run();
      return;
    }
    if (i == events.size()) {
      res.end("data: [DONE]\n\n");
      return;
    }
    res.write("data: " + events.get(i) + "\n\n");
    if (gapMs > 0) {
      vertx.setTimer(gapMs, id -> sendEvents(res, events, i + 1, gapMs, breakAfterTwo));
    } else {
      sendEvents(res, events, i + 1, 0, breakAfterTwo);
    }
  }

  private void streamTools(HttpServerResponse res, String model, ObjectNode body) {
    res.putHeader("content-type", "text/event-stream").setChunked(true);
    List<String> events = List.of(
        chunk(model, "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_0\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}", null, null),
        chunk(model, "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]}", null, null),
        chunk(model, "{\"tool_calls\":[{\"index\":1,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}]}", null, null),
        chunk(model, "{}", "\"tool_calls\"", null),
        "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"" + model
            + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":30,\"completion_tokens\":20,\"total_tokens\":50}}");
    sendEvents(res, events, 0, 0, null);
  }

  private static String chunk(String model, String delta, String finish, String extra) {
    return "{\"id\":\"chatcmpl-fake\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"" + model
        + "\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":"
        + (finish == null ? "null" : finish) + "}]" + (extra == null ? "" : extra) + "}";
  }

  private static String[] split(String text, int n) {
    String[] out = new String[n];
    int size = (int) Math.ceil(text.length() / (double) n);
    for (int i = 0; i < n; i++) {
      int from = Math.min(text.length(), i * size);
      int to = Math.min(text.length(), from + size);
      out[i] = text.substring(from, to);
    }
    return out;
  }

  private static void json(HttpServerResponse res, int status, JsonNode body) {
    res.setStatusCode(status).putHeader("content-type", "application/json").end(Buffer.buffer(body.toString()));
  }

  private static void error(HttpServerResponse res, int status, String message) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    ObjectNode e = o.putObject("error");
    e.put("message", message);
    e.put("type", status == 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error");
    e.putNull("param");
    e.put("code", status == 429 ? "rate_limit_exceeded" : null);
    json(res, status, o);
  }
}
