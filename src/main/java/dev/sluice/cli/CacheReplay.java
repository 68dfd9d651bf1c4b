package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.Gateway;
import dev.sluice.api.Json;
import dev.sluice.config.ConfigLoader;
import dev.sluice.sim.profile.ProfileLoader;
import dev.sluice.sim.server.SimOptions;
import dev.sluice.sim.server.SimServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Replays a request trace through a gateway with the exact cache on, in front of the in-process
 * emulator, and reports how many calls the cache answered and what it avoided spending.
 *
 * <p>The trace is JSON Lines in the Mooncake format ({@code timestamp} in ms, {@code input_length},
 * {@code output_length}, {@code hash_ids}: one id per 512-token block of the prompt). Each row
 * becomes a chat request at temperature 0 whose prompt is made of one deterministic block of words
 * per id (the same id, the same words), cut to {@code input_length} words, asking for
 * {@code output_length} tokens: two rows with the same blocks and lengths are the same request.
 * Rows are sent at their arrival times, sped up; the emulator runs at the same speed-up, so a repeat
 * that arrives while its original is still being generated joins it, as it would live.
 */
final class CacheReplay {

  /** One row of the trace. */
  record Row(long timestampMs, int inputLength, int outputLength, int[] hashIds) {}

  /** What the replay found. */
  record Result(int requests, Map<String, Long> byCacheStatus, Map<String, Long> failures, long upstreamCalls, BigDecimal spendUsd,
      BigDecimal avoidedUsd, BigDecimal savingsRatio, Duration wall) {}

  private static final String[] WORDS = ("time year people way day man thing woman life child world school state "
      + "family student group country problem hand part place case week company system program question work "
      + "government number night point home water room mother area money story fact month lot right study book "
      + "eye job word business issue side kind head house service friend father power hour game line end member "
      + "law car city community name president team minute idea kid body information back parent face others "
      + "level office door health person art war history party result change morning reason research girl guy "
      + "moment air teacher force education").split(" ");
  private static final int BLOCK = 512;

  private CacheReplay() {}

  static List<Row> read(Path file, int limit) throws IOException {
    List<Row> rows = new ArrayList<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = in.readLine()) != null && rows.size() < limit) {
        n++;
        if (line.isBlank()) continue;
        JsonNode r = Json.MAPPER.readTree(line);
        JsonNode ids = r.path("hash_ids");
        if (!r.has("timestamp") || !r.has("input_length") || !r.has("output_length") || !ids.isArray()) {
          throw new IllegalArgumentException(file + " line " + n + ": expected timestamp, input_length, output_length "
              + "and hash_ids (the Mooncake trace format)");
        }
        int[] h = new int[ids.size()];
        for (int i = 0; i < h.length; i++) h[i] = ids.get(i).asInt();
        rows.add(new Row(r.path("timestamp").asLong(), r.path("input_length").asInt(), r.path("output_length").asInt(), h));
      }
    }
    return rows;
  }

  /**
   * The prompt of a row: a line naming its blocks and length (so that a cut prompt still tells rows
   * apart exactly as the full one would), then one block of words per hash id,
   * {@code min(input_length, cap)} words in all.
   */
  static String prompt(Row row, int maxInputTokens) {
    int words = Math.min(row.inputLength(), maxInputTokens);
    StringBuilder sb = new StringBuilder(words * 6 + 8 * row.hashIds().length);
    sb.append("blocks");
    for (int id : row.hashIds()) sb.append(' ').append(id);
    sb.append(" length ").append(row.inputLength()).append('\n');
    int written = 0;
    for (int id : row.hashIds()) {
      SplittableRandom random = new SplittableRandom(id * 0x9E3779B97F4A7C15L + 17);
      for (int i = 0; i < BLOCK && written < words; i++, written++) {
        if (written > 0) sb.append(' ');
        sb.append(WORDS[random.nextInt(WORDS.length)]);
      }
    }
    return sb.toString();
  }

  static String body(String model, Row row, int maxInputTokens) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("model", model);
    o.putArray("messages").addObject().put("role", "user").put("content", prompt(row, maxInputTokens));
    o.put("temperature", 0);
    o.put("max_tokens", Math.max(1, row.outputLength()));
    o.put("min_tokens", Math.max(1, row.outputLength()));
    return o.toString();
  }

  /**
   * Runs the replay.
   *
   * @param profile the emulator profile answering the calls
   * @param speed how many times faster than the trace's clock requests are sent (and the emulator runs)
   */
  static Result run(List<Row> rows, String profile, double speed, int maxInputTokens, String inputPerMtok,
      String outputPerMtok) throws Exception {
    Path dir = Files.createTempDirectory("sluice-cache-replay");
    String admin = "sk-cache-replay-admin-key";
    try (SimServer sim = SimServer.start(ProfileLoader.load(profile), SimOptions.defaults().withSpeedup(speed))) {
      String yaml = """
          listen: 127.0.0.1:0
          admin_key: %s
          store: sqlite:%s
          timeouts: {connect: 60s}   # a replay loads the machine: a slow accept is not an outage
          models:
            - name: replay
              price: {input_per_mtok: %s, output_per_mtok: %s}
              cache: {exact: auto, ttl: 24h}
              retry: {max_retries: 0}
              deployments: [{provider: openai, base_url: "%s", model: "%s"}]
          """.formatted(admin, dir.resolve("ledger.db"), inputPerMtok, outputPerMtok, sim.baseUrl(),
          sim.profile().servedModel());
      try (Gateway gateway = Gateway.start(new ConfigLoader(Map.<String, String>of()::get).parse("cache-replay", yaml))) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI chat = URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions");
        // One call straight to the emulator first, so its tokenizer is loaded before the trace starts.
        http.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/chat/completions"))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body(sim.profile().servedModel(), rows.isEmpty()
                ? new Row(0, 1, 1, new int[] {0}) : rows.getFirst(), maxInputTokens))).build(),
            HttpResponse.BodyHandlers.discarding());
        Map<String, LongAdder> statuses = new ConcurrentHashMap<>();
        Map<String, LongAdder> failures = new ConcurrentHashMap<>();
        List<CompletableFuture<?>> inFlight = new ArrayList<>();
        long start = System.nanoTime();
        long first = rows.isEmpty() ? 0 : rows.getFirst().timestampMs();
        for (Row row : rows) {
          long dueNanos = (long) ((row.timestampMs() - first) * 1e6 / speed);
          long wait = dueNanos - (System.nanoTime() - start);
          if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          HttpRequest req = HttpRequest.newBuilder(chat).timeout(Duration.ofMinutes(5))
              .header("authorization", "Bearer " + admin).header("content-type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body("replay", row, maxInputTokens))).build();
          inFlight.add(http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((r, err) -> {
            if (err != null || r.statusCode() != 200) {
              String why = err != null ? err.getClass().getSimpleName() : "HTTP " + r.statusCode();
              failures.computeIfAbsent(why, k -> new LongAdder()).increment();
            } else {
              statuses.computeIfAbsent(r.headers().firstValue("x-sluice-cache").orElse("none"), k -> new LongAdder()).increment();
            }
          }));
        }
        CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).join();
        Duration wall = Duration.ofNanos(System.nanoTime() - start);

        HttpRequest savings = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
            + "/admin/savings?group_by=mechanism")).header("authorization", "Bearer " + admin).GET().build();
        JsonNode s = Json.MAPPER.readTree(http.send(savings, HttpResponse.BodyHandlers.ofString()).body());
        long upstream = 0;
        for (JsonNode r : s.path("rows")) {
          if (r.path("mechanism").isNull()) upstream += r.path("requests").asLong();
        }
        Map<String, Long> counts = new TreeMap<>();
        statuses.forEach((k, v) -> counts.put(k, v.sum()));
        Map<String, Long> failed = new TreeMap<>();
        failures.forEach((k, v) -> failed.put(k, v.sum()));
        JsonNode total = s.path("total");
        return new Result(rows.size(), counts, failed, upstream, total.path("spend_usd").decimalValue(),
            total.path("avoided_usd").decimalValue(), total.path("savings_ratio").decimalValue(), wall);
      }
    } finally {
      try (var files = Files.list(dir)) {
        files.forEach(f -> f.toFile().delete());
      }
      Files.deleteIfExists(dir);
    }
  }
}
