package dev.sluice.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.Gateway;
import dev.sluice.api.Json;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A gateway started on a free port from a YAML config, with a plain HTTP client to call it. The
 * config may use {@code ${UPSTREAM}} for a {@link FakeUpstream}'s base URL and any variable of
 * {@code env}.
 */
public final class TestGateway implements AutoCloseable {
  private final Gateway gateway;
  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1) // as the OpenAI SDKs talk
      .connectTimeout(Duration.ofSeconds(5)).build();

  private TestGateway(Gateway gateway) {
    this.gateway = gateway;
  }

  public static TestGateway start(String yaml, Map<String, String> env) {
    return new TestGateway(Gateway.start(config(yaml, env)));
  }

  public static TestGateway start(String yaml, FakeUpstream upstream) {
    return start(yaml, Map.of("UPSTREAM", upstream.baseUrl()));
  }

  /** Parses a test config, forcing a free port and, unless it names one, a store of its own in a temporary folder. */
  public static GatewayConfig config(String yaml, Map<String, String> env) {
    String withPort = yaml.contains("listen:") ? yaml : "listen: 127.0.0.1:0\n" + yaml;
    String withStore = withPort.contains("store:") ? withPort : "store: sqlite:" + TEMP.resolve(
        "sluice-" + java.util.UUID.randomUUID() + ".db") + "\n" + withPort;
    return new ConfigLoader(env::get).parse("test.yaml", withStore);
  }

  /** Where test stores go; removed when the JVM exits. */
  private static final java.nio.file.Path TEMP = tempDir();

  private static java.nio.file.Path tempDir() {
    try {
      java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("sluice-test-stores");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try (var files = java.nio.file.Files.list(dir)) {
          files.forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
          // best effort
        }
        dir.toFile().delete();
      }));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Gateway gateway() {
    return gateway;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + gateway.port() + "/v1";
  }

  public int port() {
    return gateway.port();
  }

  /** A response as the client saw it. */
  public record Response(int status, java.net.http.HttpHeaders headers, String body) {
    public ObjectNode json() {
      try {
        return (ObjectNode) Json.MAPPER.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }

    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    /** The {@code data:} payloads of an SSE body, in order. */
    public List<String> events() {
      List<String> out = new ArrayList<>();
      for (String block : body.split("\n\n")) {
        StringBuilder data = null;
        for (String line : block.split("\n")) {
          if (line.startsWith("data:")) {
            String v = line.substring(5).startsWith(" ") ? line.substring(6) : line.substring(5);
            data = data == null ? new StringBuilder(v) : data.append('\n').append(v);
          }
        }
        if (data != null) out.add(data.toString());
      }
      return out;
    }

    /** The error object of an OpenAI error body. */
    public JsonNode error() {
      return json().get("error");
    }
  }

  /** Parses JSON text, failing the test when it is not JSON. */
  public static JsonNode parse(String json) {
    try {
      return Json.MAPPER.readTree(json);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + json, e);
    }
  }

  /** The text a client assembles from the content deltas of a stream's events. */
  public static String streamedContent(List<String> events) {
    StringBuilder sb = new StringBuilder();
    for (String e : events) {
      if (e.equals("[DONE]")) continue;
      JsonNode choices = parse(e).get("choices");
      if (choices != null && !choices.isEmpty()) sb.append(choices.get(0).at("/delta/content").asText(""));
    }
    return sb.toString();
  }

  public Response post(String path, String body, String... headers) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)), headers);
  }

  public Response postBytes(String path, byte[] body, String... headers) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)), headers);
  }

  public Response put(String path, String body, String... headers) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
        .PUT(HttpRequest.BodyPublishers.ofString(body)), headers);
  }

  public Response delete(String path, String... headers) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path)).DELETE(), headers);
  }

  public Response get(String path, String... headers) {
    return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path)).GET(), headers);
  }

  public Response chat(String model, String userMessage, String... headers) {
    return post("/v1/chat/completions", chatBody(model, userMessage, false), headers);
  }

  public static String chatBody(String model, String userMessage, boolean stream) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("model", model);
    o.putArray("messages").addObject().put("role", "user").put("content", userMessage);
    if (stream) o.put("stream", true);
    return o.toString();
  }

  private Response send(HttpRequest.Builder builder, String... headers) {
    builder.timeout(Duration.ofSeconds(30)).header("content-type", "application/json");
    for (int i = 0; i + 1 < headers.length; i += 2) builder.header(headers[i], headers[i + 1]);
    try {
      HttpResponse<String> r = client.send(builder.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.headers(), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    gateway.close();
  }
}
