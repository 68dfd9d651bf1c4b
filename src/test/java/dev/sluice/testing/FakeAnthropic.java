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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted Anthropic Messages API ({@code POST /v1/messages}) for black-box tests, answering in
 * the shapes the real API uses. Its behaviour is chosen by the model name Sluice sends upstream:
 *
 * <ul>
 *   <li>{@code ok} (or anything unrecognised): one text block echoing the last user text
 *       ({@code "echo: <text>"}); streams it in three text deltas
 *   <li>{@code tools}: a text block and two parallel {@code tool_use} blocks (get_weather for
 *       Paris and Oslo); streams the inputs as {@code input_json_delta} fragments
 *   <li>{@code cache}: like {@code ok}, with prompt-cache reads and writes in the usage
 *   <li>{@code error-STATUS}: an Anthropic error body with that status and its error type
 *   <li>{@code overloaded-mid-stream}: streams a message start and one text delta, then an
 *       {@code overloaded_error} event (not streaming: a 529)
 *   <li>{@code error-event}: a 200 stream whose first event is an {@code overloaded_error}
 * </ul>
 *
 * Usage is always 12 input and 5 output tokens unless said otherwise. Every request is recorded
 * with its path, headers and body, and counted per model name.
 */
public final class FakeAnthropic implements AutoCloseable {

  /** One request as the upstream saw it. */
  public record Recorded(String method, String path, MultiMap headers, ObjectNode body) {}

  private final Vertx vertx;
  private final HttpServer server;
  private final List<Recorded> requests = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

  private FakeAnthropic(Vertx vertx) throws Exception {
    this.vertx = vertx;
    this.server = vertx.createHttpServer().requestHandler(this::handle).listen(0, "127.0.0.1")
        .await(10, TimeUnit.SECONDS);
  }

  public static FakeAnthropic start() {
    try {
      return new FakeAnthropic(Vertx.vertx());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The base URL to put in a deployment's {@code base_url} (like {@code https://api.anthropic.com}). */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  public List<Recorded> requests() {
    return List.copyOf(requests);
  }

  /** The body of the last request recorded. */
  public ObjectNode lastBody() {
    return requests.getLast().body();
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
        JsonNode n = Json.MAPPER.readTree(buf.getBytes());
        body = n instanceof ObjectNode o ? o : Json.MAPPER.createObjectNode();
      } catch (Exception e) {
        body = Json.MAPPER.createObjectNode();
      }
      requests.add(new Recorded(req.method().name(), req.path(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers()), body));
      String model = body.path("model").asText("ok");
      counts.computeIfAbsent(model, k -> new AtomicInteger()).incrementAndGet();
      if (!req.path().equals("/v1/messages")) {
        error(req.response(), 404, "not_found_error", "Not found: " + req.path());
        return;
      }
      respond(req.response(), body, model);
    });
  }

  private void respond(HttpServerResponse res, ObjectNode body, String model) {
    boolean stream = body.path("stream").asBoolean(false);
    String[] parts = model.split("-");
    switch (parts[0]) {
      case "error" -> {
        if (parts.length > 1 && parts[1].equals("event")) {
          sse(res, List.of(event("error", errorBody("overloaded_error", "Overloaded"))));
        } else {
          int status = Integer.parseInt(parts[1]);
          error(res, status, typeFor(status), "fake anthropic error " + status);
        }
      }
      case "overloaded" -> {
        if (!stream) {
          error(res, 529, "overloaded_error", "Overloaded");
          return;
        }
        List<String> events = new ArrayList<>(textEvents(model, "partial answer", false, usage(12, 1, 0, 0)));
        events = new ArrayList<>(events.subList(0, 4));
        events.add(event("error", errorBody("overloaded_error", "Overloaded")));
        sse(res, events);
      }
      case "tools" -> {
        if (stream) {
          sse(res, toolEvents(model));
        } else {
          json(res, 200, toolMessage(model));
        }
      }
      case "cache" -> answer(res, body, model, stream, usage(10, 5, 3000, 200));
      default -> answer(res, body, model, stream, usage(12, 5, 0, 0));
    }
  }

  private void answer(HttpServerResponse res, ObjectNode body, String model, boolean stream, ObjectNode usage) {
    String text = replyText(body);
    if (stream) {
      sse(res, textEvents(model, text, true, usage));
      return;
    }
    ObjectNode m = message(model, "end_turn", usage);
    m.withArray("content").addObject().put("type", "text").put("text", text);
    json(res, 200, m);
  }

  /** "echo: " and the text of the last user turn (tool results left out). */
  public static String replyText(ObjectNode body) {
    StringBuilder last = new StringBuilder();
    for (JsonNode m : body.path("messages")) {
      if (!"user".equals(m.path("role").asText())) continue;
      last.setLength(0);
      JsonNode content = m.path("content");
      if (content.isTextual()) last.append(content.asText());
      for (JsonNode b : content) {
        if ("text".equals(b.path("type").asText())) last.append(b.path("text").asText());
      }
    }
    return "echo: " + last;
  }

  private static ObjectNode message(String model, String stopReason, ObjectNode usage) {
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("id", "msg_fake");
    m.put("type", "message");
    m.put("role", "assistant");
    m.put("model", model);
    m.putArray("content");
    if (stopReason == null) m.putNull("stop_reason"); else m.put("stop_reason", stopReason);
    m.putNull("stop_sequence");
    m.set("usage", usage);
    return m;
  }

  private static ObjectNode toolMessage(String model) {
    ObjectNode m = message(model, "tool_use", usage(30, 20, 0, 0));
    ArrayNode content = m.withArray("content");
    content.addObject().put("type", "text").put("text", "Checking both.");
    String[] cities = {"Paris", "Oslo"};
    for (int i = 0; i < 2; i++) {
      ObjectNode t = content.addObject().put("type", "tool_use").put("id", "toolu_" + i).put("name", "get_weather");
      t.putObject("input").put("city", cities[i]);
    }
    return m;
  }

  private static ObjectNode usage(int input, int output, int cacheRead, int cacheCreation) {
    ObjectNode u = Json.MAPPER.createObjectNode();
    u.put("input_tokens", input);
    u.put("cache_creation_input_tokens", cacheCreation);
    u.put("cache_read_input_tokens", cacheRead);
    u.put("output_tokens", output);
    return u;
  }

  private static List<String> textEvents(String model, String text, boolean finish, ObjectNode usage) {
    List<String> events = new ArrayList<>();
    ObjectNode start = message(model, null, usage.deepCopy().put("output_tokens", 1));
    events.add(event("message_start", Json.MAPPER.createObjectNode().put("type", "message_start").set("message", start)));
    events.add(event("content_block_start", json("{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")));
    events.add(event("ping", json("{\"type\":\"ping\"}")));
    int size = (text.length() + 2) / 3;
    for (int i = 0; i < text.length(); i += size) {
      ObjectNode d = json("{\"type\":\"content_block_delta\",\"index\":0}");
      d.putObject("delta").put("type", "text_delta").put("text", text.substring(i, Math.min(text.length(), i + size)));
      events.add(event("content_block_delta", d));
    }
    if (finish) {
      events.add(event("content_block_stop", json("{\"type\":\"content_block_stop\",\"index\":0}")));
      events.add(event("message_delta", json("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
          + "\"usage\":{\"output_tokens\":" + usage.get("output_tokens").asInt() + "}}")));
      events.add(event("message_stop", json("{\"type\":\"message_stop\"}")));
    }
    return events;
  }

  private static List<String> toolEvents(String model) {
    List<String> events = new ArrayList<>();
    events.add(event("message_start", Json.MAPPER.createObjectNode().put("type", "message_start")
        .set("message", message(model, null, usage(30, 1, 0, 0)))));
    events.add(event("content_block_start", json("{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")));
    events.add(event("content_block_delta", json("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Checking both.\"}}")));
    events.add(event("content_block_stop", json("{\"type\":\"content_block_stop\",\"index\":0}")));
    String[] cities = {"Paris", "Oslo"};
    for (int i = 0; i < 2; i++) {
      int index = i + 1;
      events.add(event("content_block_start", json("{\"type\":\"content_block_start\",\"index\":" + index
          + ",\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_" + i + "\",\"name\":\"get_weather\",\"input\":{}}}")));
      for (String fragment : new String[] {"", "{\"city\": ", "\"" + cities[i] + "\"}"}) {
        ObjectNode d = json("{\"type\":\"content_block_delta\",\"index\":" + index + "}");
        d.putObject("delta").put("type", "input_json_delta").put("partial_json", fragment);
        events.add(event("content_block_delta", d));
      }
      events.add(event("content_block_stop", json("{\"type\":\"content_block_stop\",\"index\":" + index + "}")));
    }
    events.add(event("message_delta", json("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":20}}")));
    events.add(event("message_stop", json("{\"type\":\"message_stop\"}")));
    return events;
  }

  private static String event(String name, JsonNode data) {
    return "event: " + name + "\ndata: " + data + "\n\n";
  }

  private static void sse(HttpServerResponse res, List<String> events) {
    res.putHeader("content-type", "text/event-stream; charset=utf-8").putHeader("cache-control", "no-cache").setChunked(true);
    for (String e : events) res.write(e);
    res.end();
  }

  private static String typeFor(int status) {
    return switch (status) {
      case 400 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 529 -> "overloaded_error";
      default -> "api_error";
    };
  }

  private static ObjectNode errorBody(String type, String message) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("type", "error");
    o.putObject("error").put("type", type).put("message", message);
    return o;
  }

  private static void error(HttpServerResponse res, int status, String type, String message) {
    ObjectNode o = errorBody(type, message);
    o.put("request_id", "req_fake");
    json(res, status, o);
  }

  private static void json(HttpServerResponse res, int status, JsonNode body) {
    res.setStatusCode(status).putHeader("content-type", "application/json").putHeader("request-id", "req_fake")
        .end(Buffer.buffer(body.toString()));
  }

  private static ObjectNode json(String text) {
    try {
      return (ObjectNode) Json.MAPPER.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(text, e);
    }
  }
}
