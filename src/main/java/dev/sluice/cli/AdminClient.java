package dev.sluice.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.sluice.api.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * How CLI commands reach a running gateway's admin API: its URL and the admin key, from options
 * or the environment ({@code SLUICE_URL}, {@code SLUICE_ADMIN_KEY}). Errors come back as one clear
 * line: the OpenAI-format message the gateway sent, or what went wrong reaching it.
 */
final class AdminClient {

  /** The connection options every admin command shares (a picocli mixin). */
  static final class Options {
    @Option(names = "--url", paramLabel = "URL", description = "the gateway (default: $SLUICE_URL or http://127.0.0.1:8080)")
    String url;

    @Option(names = "--admin-key", paramLabel = "KEY", description = "the admin key (default: $SLUICE_ADMIN_KEY)")
    String adminKey;

    AdminClient client() {
      String base = url != null ? url : System.getenv().getOrDefault("SLUICE_URL", "http://127.0.0.1:8080");
      String key = adminKey != null ? adminKey : System.getenv("SLUICE_ADMIN_KEY");
      return new AdminClient(base.endsWith("/") ? base.substring(0, base.length() - 1) : base, key);
    }
  }

  /** A failed call, with a message for a person. */
  static final class Failure extends RuntimeException {
    Failure(String message) {
      super(message, null, false, false);
    }
  }

  /** Reads amounts as exact decimals, so dollar figures add up to the nano-dollar. */
  private static final ObjectReader READER = Json.MAPPER.reader().with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  private final String base;
  private final String adminKey;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      .version(HttpClient.Version.HTTP_1_1).build();

  AdminClient(String base, String adminKey) {
    this.base = base;
    this.adminKey = adminKey;
  }

  JsonNode get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  String getText(String path, String accept) {
    HttpResponse<String> r = raw(HttpRequest.newBuilder(URI.create(base + path)).header("accept", accept).GET());
    return r.body();
  }

  JsonNode post(String path, JsonNode body) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
  }

  JsonNode delete(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
  }

  static String q(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private JsonNode send(HttpRequest.Builder b) {
    HttpResponse<String> r = raw(b);
    try {
      return READER.readTree(r.body());
    } catch (IOException e) {
      throw new Failure("the gateway answered something that is not JSON: " + r.body());
    }
  }

  private HttpResponse<String> raw(HttpRequest.Builder b) {
    if (adminKey == null || adminKey.isBlank()) {
      throw new Failure("no admin key: pass --admin-key or set SLUICE_ADMIN_KEY");
    }
    b.header("authorization", "Bearer " + adminKey).timeout(Duration.ofSeconds(60));
    HttpResponse<String> r;
    try {
      r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new Failure("cannot reach the gateway at " + base + " (is `sluice serve` running? set --url or SLUICE_URL)");
    } catch (IOException e) {
      throw new Failure("talking to " + base + " failed: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Failure("interrupted");
    }
    if (r.statusCode() / 100 != 2) {
      String message = r.body();
      try {
        JsonNode err = Json.MAPPER.readTree(r.body()).path("error");
        if (err.has("message")) message = err.get("message").asText();
      } catch (IOException ignored) {
        // not JSON: show the body as it is
      }
      throw new Failure("HTTP " + r.statusCode() + ": " + message);
    }
    return r;
  }
}
