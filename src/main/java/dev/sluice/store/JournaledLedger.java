package dev.sluice.store;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A usage ledger made durable by a local journal before the database commits.
 *
 * <p>Design. A database commit costs around a hundred microseconds even in SQLite, too much to wait
 * for on every request. So {@link #append} writes the record as one JSON line to an append-only
 * journal file, which takes a single {@code write} to the operating system's page cache: once it
 * returns, the record survives a crash of the Sluice process (not a power cut: for that, use the
 * store's {@code sync=full}, which bypasses the journal). Then it hands the record to the database
 * ledger, which commits it in a group, and completes at once.
 *
 * <p>The journal is a series of segment files. A segment is deleted once every record in it is
 * committed to the database and a newer segment has taken over. When the ledger opens, the
 * segments left by a previous process are replayed into the database first; the database keeps one
 * record per request id, so a record that was both journaled and committed is not duplicated. A
 * line cut short by a crash during its write was never acknowledged, and is skipped.
 *
 * <p>Thread-safe: appends from any thread are serialised on the journal's lock, which is held for
 * the one write.
 */
public final class JournaledLedger implements UsageLedger, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JournaledLedger.class);
  static final long SEGMENT_BYTES = 16L << 20;
  private static final String SUFFIX = ".jsonl";

  private final UsageLedger delegate;
  private final Path dir;
  private final Map<Long, Segment> segments = new HashMap<>();
  private Segment current;
  private long nextNumber;

  /** One journal file and how many of its records are not committed yet. */
  private static final class Segment {
    final long number;
    final Path file;
    final FileChannel channel;
    long bytes;
    long pending;

    Segment(long number, Path file, FileChannel channel) {
      this.number = number;
      this.file = file;
      this.channel = channel;
    }
  }

  private JournaledLedger(UsageLedger delegate, Path dir) {
    this.delegate = delegate;
    this.dir = dir;
  }

  /** Opens the journal in {@code dir}, replaying into {@code delegate} what a previous process left there. */
  public static JournaledLedger open(UsageLedger delegate, Path dir) {
    JournaledLedger ledger = new JournaledLedger(delegate, dir);
    try {
      Files.createDirectories(dir);
      ledger.replay();
      ledger.roll();
    } catch (IOException e) {
      throw new StoreException("cannot use the ledger journal in " + dir + ": " + e.getMessage(), e);
    }
    return ledger;
  }

  @Override
  public CompletionStage<Void> append(UsageRecord record) {
    byte[] line = encode(record);
    Segment segment;
    synchronized (this) {
      try {
        if (current.bytes + line.length > SEGMENT_BYTES) roll();
        segment = current;
        ByteBuffer buffer = ByteBuffer.wrap(line);
        while (buffer.hasRemaining()) segment.channel.write(buffer);
        segment.bytes += line.length;
        segment.pending++;
      } catch (IOException e) {
        return CompletableFuture.failedFuture(new StoreException("the ledger journal cannot be written: " + e.getMessage(), e));
      }
    }
    delegate.append(record).whenComplete((v, err) -> {
      if (err == null) {
        committed(segment);
      } else {
        log.warn("usage record {} is journaled but not yet in the database ({}); it will be replayed at the next start",
            record.requestId(), err.toString());
      }
    });
    return CompletableFuture.completedFuture(null);
  }

  private synchronized void committed(Segment s) {
    s.pending--;
    if (s.pending == 0 && s != current) delete(s);
  }

  /** Starts a new segment; the old one goes once its records are all committed. */
  private void roll() throws IOException {
    Segment old = current;
    long n = nextNumber++;
    Path file = dir.resolve(String.format("ledger-%019d%s", n, SUFFIX));
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND);
    current = new Segment(n, file, channel);
    segments.put(n, current);
    if (old != null && old.pending == 0) delete(old);
  }

  private void delete(Segment s) {
    segments.remove(s.number);
    try {
      s.channel.close();
      Files.deleteIfExists(s.file);
    } catch (IOException e) {
      log.warn("could not delete the ledger journal segment {}: {}", s.file, e.toString());
    }
  }

  /** Puts every journaled record of a previous process into the database, then removes the segments. */
  private void replay() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.getFileName().toString().startsWith("ledger-") && p.toString().endsWith(SUFFIX))
          .sorted().toList();
    }
    if (files.isEmpty()) return;
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    long records = 0;
    long skipped = 0;
    for (Path f : files) {
      String name = f.getFileName().toString();
      nextNumber = Math.max(nextNumber, Long.parseLong(name.substring(7, name.length() - SUFFIX.length())) + 1);
      // Decoded leniently: a line cut inside a character by a crash must not stop the rest.
      for (String line : new String(Files.readAllBytes(f), StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank()) continue;
        UsageRecord r;
        try {
          r = decode(line);
        } catch (RuntimeException e) {
          skipped++; // a line cut short by a crash: it was never acknowledged
          continue;
        }
        records++;
        pending.add(delegate.append(r).toCompletableFuture());
      }
    }
    try {
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IOException("replaying the ledger journal into the database failed: " + e.getMessage(), e);
    }
    for (Path f : files) Files.deleteIfExists(f);
    log.info("ledger: replayed {} usage records from the journal{}", records,
        skipped == 0 ? "" : " (" + skipped + " incomplete lines skipped)");
  }

  @Override
  public List<Row> aggregate(Query query) {
    return delegate.aggregate(query);
  }

  @Override
  public List<UsageRecord> byRequestId(String requestId) {
    return delegate.byRequestId(requestId);
  }

  @Override
  public List<UsageRecord> byRun(String tenant, String run) {
    return delegate.byRun(tenant, run);
  }

  @Override
  public long chargeNanos(String tenant, String keyId, String feature, String user, Instant from, Instant to) {
    return delegate.chargeNanos(tenant, keyId, feature, user, from, to);
  }

  /** Closes the journal files. Segments with records the database has not committed stay for the next start. */
  @Override
  public synchronized void close() {
    for (Segment s : List.copyOf(segments.values())) {
      if (s.pending == 0) {
        delete(s);
      } else {
        try {
          s.channel.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }
  }

  // ---------------------------------------------------------------- the line format

  static byte[] encode(UsageRecord r) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(512);
    try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("time_us", r.time().getEpochSecond() * 1_000_000L + r.time().getNano() / 1_000);
      str(g, "request_id", r.requestId());
      str(g, "tenant", r.tenant());
      str(g, "key_id", r.keyId());
      str(g, "feature", r.feature());
      str(g, "user", r.user());
      str(g, "run", r.run());
      g.writeObjectFieldStart("tags");
      for (Map.Entry<String, String> t : r.tags().entrySet()) g.writeStringField(t.getKey(), t.getValue());
      g.writeEndObject();
      str(g, "operation", r.operation());
      str(g, "model_asked", r.modelAsked());
      str(g, "model_served", r.modelServed());
      str(g, "deployment", r.deployment());
      str(g, "provider", r.provider());
      str(g, "pool", r.pool());
      g.writeNumberField("input_tokens", r.inputTokens());
      g.writeNumberField("cached_input_tokens", r.cachedInputTokens());
      g.writeNumberField("cache_write_tokens", r.cacheWriteTokens());
      g.writeNumberField("output_tokens", r.outputTokens());
      g.writeNumberField("reasoning_tokens", r.reasoningTokens());
      g.writeNumberField("cost_nanos", r.costNanos());
      g.writeNumberField("charge_nanos", r.chargeNanos());
      g.writeBooleanField("priced", r.priced());
      str(g, "cache_status", r.cacheStatus());
      g.writeNumberField("avoided_nanos", r.avoidedNanos());
      str(g, "mechanism", r.mechanism());
      g.writeNumberField("latency_us", r.latencyMicros());
      g.writeNumberField("ttft_us", r.ttftMicros());
      g.writeNumberField("status", r.status());
      str(g, "error_code", r.errorCode());
      str(g, "error_class", r.errorClass());
      str(g, "attempts", r.attempts());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.write('\n');
    return out.toByteArray();
  }

  private static void str(JsonGenerator g, String name, String value) throws IOException {
    if (value == null) g.writeNullField(name); else g.writeStringField(name, value);
  }

  static UsageRecord decode(String line) {
    JsonNode n;
    try {
      n = Json.MAPPER.readTree(line);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a journal line");
    }
    long us = n.get("time_us").asLong();
    Map<String, String> tags = new HashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = n.path("tags").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      tags.put(e.getKey(), e.getValue().asText());
    }
    return new UsageRecord(Instant.ofEpochSecond(Math.floorDiv(us, 1_000_000L), Math.floorMod(us, 1_000_000L) * 1_000L),
        text(n, "request_id"), text(n, "tenant"), text(n, "key_id"), text(n, "feature"), text(n, "user"), text(n, "run"),
        tags, text(n, "operation"), text(n, "model_asked"), text(n, "model_served"), text(n, "deployment"),
        text(n, "provider"), text(n, "pool"), n.get("input_tokens").asLong(), n.get("cached_input_tokens").asLong(),
        n.get("cache_write_tokens").asLong(), n.get("output_tokens").asLong(), n.get("reasoning_tokens").asLong(),
        n.get("cost_nanos").asLong(), n.get("charge_nanos").asLong(), n.get("priced").asBoolean(),
        text(n, "cache_status"), n.get("avoided_nanos").asLong(), text(n, "mechanism"), n.get("latency_us").asLong(),
        n.get("ttft_us").asLong(), n.get("status").asInt(), text(n, "error_code"), text(n, "error_class"),
        text(n, "attempts"));
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || v.isNull() ? null : v.asText();
  }
}
