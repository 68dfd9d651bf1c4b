package dev.sluice.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.Json;
import dev.sluice.api.JsonStrings;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A usage ledger made durable by a local journal before the database commits.
 *
 * <p>Design. A database commit costs around a hundred microseconds even in SQLite, too much to wait
 * for on every request. So {@link #append} copies the record as one JSON line into a journal file
 * mapped into memory: the copy lands in the operating system's page cache, without a system call,
 * and once it is done the record survives a crash of the Sluice process (not a power cut: for that,
 * use the store's {@code sync=full}, which bypasses the journal). Then it hands the record to the
 * database ledger, which commits it in a group, and completes at once.
 *
 * <p>A segment file is mapped at its full size up front, so its unwritten end reads as zero bytes;
 * a journal line never holds one (JSON escapes control characters), so the first zero byte marks
 * where the records end. A segment closed while records are pending is cut back to that length.
 *
 * <p>The journal is a series of segment files. Once every record of a segment is committed to the
 * database and a newer segment has taken over, the segment is emptied (zeroed, on the journal's own
 * thread) and kept mapped as the <em>spare</em>, which the next roll renames and writes into. The
 * first write into a page of a fresh mapping costs a page fault, and on a virtual machine a fault
 * costs 10 to 18 microseconds, paid on the request path about once per seven records; pages already
 * mapped cost nothing more. Only the segment before the current one stays mapped while its records
 * wait for the database: an older one is unmapped and cut back to its records, and deleted once
 * they are committed, so a database that falls behind does not grow memory. When the ledger opens, the
 * segments left by a previous process are replayed into the database first; the database keeps one
 * record per request id, so a record that was both journaled and committed is not duplicated. A
 * line cut short by a crash during its write was never acknowledged, and is skipped.
 *
 * <p>Reads wait until every record appended before them is committed, so a reader always sees
 * its own writes (the database commits in order, so waiting for the last append is enough).
 *
 * <p>Thread-safe: appends from any thread are serialised on the journal's lock, which is held for
 * the one write.
 */
public final class JournaledLedger implements UsageLedger, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JournaledLedger.class);
  static final long SEGMENT_BYTES = 16L << 20;
  private static final int REPLAY_CHUNK = 4096;
  private static final String SUFFIX = ".jsonl";

  private final UsageLedger delegate;
  private final Path dir;
  private final Map<Long, Segment> segments = new HashMap<>();
  private Segment current;
  /** The segment before {@link #current}, still mapped while its records wait for the database. */
  private Segment draining;
  /** A segment whose records were all committed, zeroed and still mapped: the next one to write into. */
  private Segment spare;
  private boolean closed;
  private long nextNumber;
  /** Zeroes retired segments for reuse, off the threads that append. */
  private final ExecutorService recycler = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "sluice-ledger-recycle");
    t.setDaemon(true);
    return t;
  });
  private volatile CompletableFuture<Void> lastAppend = CompletableFuture.completedFuture(null);
  private final AtomicLong failuresLogged = new AtomicLong();

  /** Offers records again when the database's queue is full. */
  private static final java.util.concurrent.ScheduledExecutorService RETRY =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sluice-ledger-retry");
        t.setDaemon(true);
        return t;
      });

  /** One journal file, mapped into memory, and how many of its records are not committed yet. */
  private static final class Segment {
    final long number;
    final Path file;
    final FileChannel channel;
    /** Owns {@link #map}: closing it unmaps the file. */
    final Arena arena;
    final MemorySegment map;
    /** Bytes written so far: where the next line goes. */
    long bytes;
    /** Records written here and not committed yet; decremented without the ledger's lock. */
    final AtomicLong pending = new AtomicLong();

    Segment(long number, Path file, FileChannel channel, Arena arena, MemorySegment map) {
      this.number = number;
      this.file = file;
      this.channel = channel;
      this.arena = arena;
      this.map = map;
    }

    /** This zeroed segment's file and mapping under a new number and name, with nothing written yet. */
    Segment renamed(long newNumber, Path newFile) {
      return new Segment(newNumber, newFile, channel, arena, map);
    }

    /** Unmaps and closes the file, cutting it back to what was written. */
    void close(boolean truncate) throws IOException {
      arena.close();
      try (channel) {
        if (truncate) channel.truncate(bytes);
      }
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
      ledger.roll(0);
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
        if (current.bytes + line.length > current.map.byteSize()) roll(line.length);
        segment = current;
        MemorySegment.copy(line, 0, segment.map, ValueLayout.JAVA_BYTE, segment.bytes, line.length);
        segment.bytes += line.length;
        segment.pending.incrementAndGet();
      } catch (IOException | InternalError | IllegalStateException e) {
        // InternalError: the page behind the mapping could not be stored (a full disk), reported as a
        // fault; IllegalStateException: the ledger was closed and its segment unmapped
        return CompletableFuture.failedFuture(new StoreException("the ledger journal cannot be written: " + e.getMessage(), e));
      }
    }
    CompletableFuture<Void> accepted = new CompletableFuture<>();
    hand(record, segment, accepted);
    return accepted;
  }

  /**
   * Hands a journaled record to the database ledger. When the database cannot keep up and its
   * queue is full, the record is offered again a moment later, and the caller's stage completes
   * only once it was taken: the client then waits, which slows traffic to what the database can
   * absorb instead of piling records up in the journal.
   */
  private void hand(UsageRecord record, Segment segment, CompletableFuture<Void> accepted) {
    CompletableFuture<Void> committed = delegate.append(record).toCompletableFuture();
    if (committed.isCompletedExceptionally() && committed.exceptionNow() instanceof LedgerFullException) {
      RETRY.schedule(() -> hand(record, segment, accepted), 20, TimeUnit.MILLISECONDS);
      return;
    }
    lastAppend = committed;
    accepted.complete(null);
    committed.whenComplete((v, err) -> {
      if (err == null) {
        committed(segment);
      } else if (failuresLogged.getAndIncrement() % 1000 == 0) {
        log.warn("usage record {} is journaled but the database failed to take it ({}); it stays in the journal and "
            + "is replayed at the next start (this message is shown once per 1000 such records)",
            record.requestId(), err.toString());
      }
    });
  }

  /**
   * Counts a committed record of {@code s}; the lock is taken only when the segment may be done,
   * so commits do not contend with appends. A segment emptied while still current is retired by
   * {@link #roll} instead; the check of {@code segments} keeps it from being retired twice.
   */
  private void committed(Segment s) {
    if (s.pending.decrementAndGet() != 0) return;
    synchronized (this) {
      if (s != current && s.pending.get() == 0 && segments.containsKey(s.number)) retire(s);
    }
  }

  /**
   * Starts a new segment, large enough for a line of {@code lineBytes}: the spare when there is one
   * and the line fits, else a new file. The old segment is retired if its records are all
   * committed; otherwise it stays mapped until they are, and the one before it is cut back to its
   * records and goes once they are all committed.
   */
  private void roll(int lineBytes) throws IOException {
    Segment old = current;
    long n = nextNumber++;
    Path file = dir.resolve(String.format("ledger-%019d%s", n, SUFFIX));
    Segment next = reuseSpare(n, file, lineBytes);
    if (next == null) next = map(n, file, lineBytes); // on failure the full segment stays current: appends fail
    current = next;
    segments.put(n, current);
    if (old != null) {
      if (old.pending.get() == 0) {
        retire(old);
      } else {
        if (draining != null) closeKeeping(draining);
        draining = old;
      }
    }
  }

  /** The spare renamed to {@code file}, or null when there is none, the line does not fit, or the rename failed. */
  private Segment reuseSpare(long n, Path file, int lineBytes) {
    Segment s = spare;
    if (s == null || lineBytes > s.map.byteSize()) return null;
    spare = null;
    try {
      Files.move(s.file, file, StandardCopyOption.ATOMIC_MOVE);
      return s.renamed(n, file);
    } catch (IOException e) {
      log.warn("could not reuse the ledger journal segment {}: {}", s.file, e.toString());
      delete(s);
      return null;
    }
  }

  private Segment map(long n, Path file, int lineBytes) throws IOException {
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    Arena arena = Arena.ofShared();
    try {
      return new Segment(n, file, channel, arena,
          channel.map(FileChannel.MapMode.READ_WRITE, 0, Math.max(SEGMENT_BYTES, lineBytes), arena));
    } catch (IOException | RuntimeException e) {
      arena.close();
      channel.close();
      Files.deleteIfExists(file);
      throw e;
    }
  }

  /**
   * Retires a segment whose records are all committed and which is no longer current: one still
   * mapped at the usual size is zeroed on the recycler's thread and becomes the spare (if there is
   * none yet); any other is deleted. A crash while it is being zeroed leaves committed records in
   * it, which the next start replays without duplicating them.
   */
  private void retire(Segment s) {
    segments.remove(s.number);
    if (s == draining) draining = null;
    if (closed || spare != null || !s.arena.scope().isAlive() || s.map.byteSize() != SEGMENT_BYTES) {
      delete(s);
      return;
    }
    long written = s.bytes;
    try {
      recycler.execute(() -> {
        s.map.asSlice(0, written).fill((byte) 0);
        synchronized (this) {
          if (spare == null && !closed) {
            spare = s;
          } else {
            delete(s);
          }
        }
      });
    } catch (RejectedExecutionException e) {
      delete(s);
    }
  }

  /** Unmaps a segment whose records still wait for the database; it is deleted once they are committed. */
  private void closeKeeping(Segment s) {
    if (!s.arena.scope().isAlive()) return;
    try {
      s.close(true);
    } catch (IOException e) {
      log.warn("could not close the ledger journal segment {}: {}", s.file, e.toString());
    }
  }

  private void delete(Segment s) {
    segments.remove(s.number);
    try {
      if (s.arena.scope().isAlive()) s.close(false);
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
      for (String line : new String(written(Files.readAllBytes(f)), StandardCharsets.UTF_8).split("\n")) {
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
        if (pending.size() >= REPLAY_CHUNK) awaitAll(pending); // never more queued than the database takes
      }
    }
    awaitAll(pending);
    for (Path f : files) Files.deleteIfExists(f);
    log.info("ledger: replayed {} usage records from the journal{}", records,
        skipped == 0 ? "" : " (" + skipped + " incomplete lines skipped)");
  }

  /** The records of a segment file: everything before its first zero byte, the unwritten rest of its mapping. */
  private static byte[] written(byte[] file) {
    for (int i = 0; i < file.length; i++) {
      if (file[i] == 0) return java.util.Arrays.copyOf(file, i);
    }
    return file;
  }

  /** Waits (a little) until what was appended so far is in the database. */
  private void caughtUp() {
    try {
      lastAppend.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // a failed or slow commit: read what the database has
    }
  }

  private static void awaitAll(List<CompletableFuture<Void>> pending) throws IOException {
    try {
      CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IOException("replaying the ledger journal into the database failed: " + e.getMessage(), e);
    }
    pending.clear();
  }

  @Override
  public List<Row> aggregate(Query query) {
    caughtUp();
    return delegate.aggregate(query);
  }

  @Override
  public List<LatencyRow> latency(Query query) {
    caughtUp();
    return delegate.latency(query);
  }

  @Override
  public List<UsageRecord> byRequestId(String requestId) {
    caughtUp();
    return delegate.byRequestId(requestId);
  }

  @Override
  public List<UsageRecord> byRun(String tenant, String run) {
    caughtUp();
    return delegate.byRun(tenant, run);
  }

  @Override
  public long chargeNanos(String tenant, String keyId, String feature, String user, Instant from, Instant to) {
    caughtUp();
    return delegate.chargeNanos(tenant, keyId, feature, user, from, to);
  }

  /** Closes the journal files. Segments with records the database has not committed stay for the next start. */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
    }
    recycler.shutdown(); // a segment being zeroed ends as deleted: closed is set
    try {
      recycler.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      for (Segment s : List.copyOf(segments.values())) {
        if (s.pending.get() == 0) {
          delete(s);
        } else {
          closeKeeping(s);
        }
      }
      if (spare != null) delete(spare);
      spare = null;
      draining = null;
    }
  }

  // ---------------------------------------------------------------- the line format

  /** Each thread's line being written: a record is encoded on every request, without growing a new builder. */
  private static final ThreadLocal<StringBuilder> LINE = ThreadLocal.withInitial(() -> new StringBuilder(1024));
  /** A builder grown beyond this by an unusual record is not kept. */
  private static final int MAX_KEPT_LINE = 64 << 10;

  /** One record as one JSON line, written by hand: this runs on every request. */
  static byte[] encode(UsageRecord r) {
    StringBuilder sb = LINE.get();
    if (sb.capacity() > MAX_KEPT_LINE) {
      sb = new StringBuilder(1024);
      LINE.set(sb);
    }
    sb.setLength(0);
    sb.append("{\"time_us\":").append(r.time().getEpochSecond() * 1_000_000L + r.time().getNano() / 1_000);
    str(sb, ",\"request_id\":", r.requestId());
    str(sb, ",\"tenant\":", r.tenant());
    str(sb, ",\"key_id\":", r.keyId());
    str(sb, ",\"feature\":", r.feature());
    str(sb, ",\"user\":", r.user());
    str(sb, ",\"run\":", r.run());
    sb.append(",\"tags\":");
    JsonStrings.object(sb, r.tags());
    str(sb, ",\"operation\":", r.operation());
    str(sb, ",\"model_asked\":", r.modelAsked());
    str(sb, ",\"model_served\":", r.modelServed());
    str(sb, ",\"deployment\":", r.deployment());
    str(sb, ",\"provider\":", r.provider());
    str(sb, ",\"pool\":", r.pool());
    num(sb, ",\"input_tokens\":", r.inputTokens());
    num(sb, ",\"cached_input_tokens\":", r.cachedInputTokens());
    num(sb, ",\"cache_write_tokens\":", r.cacheWriteTokens());
    num(sb, ",\"output_tokens\":", r.outputTokens());
    num(sb, ",\"reasoning_tokens\":", r.reasoningTokens());
    num(sb, ",\"cost_nanos\":", r.costNanos());
    num(sb, ",\"charge_nanos\":", r.chargeNanos());
    sb.append(",\"priced\":").append(r.priced());
    str(sb, ",\"cache_status\":", r.cacheStatus());
    num(sb, ",\"avoided_nanos\":", r.avoidedNanos());
    str(sb, ",\"mechanism\":", r.mechanism());
    num(sb, ",\"latency_us\":", r.latencyMicros());
    num(sb, ",\"ttft_us\":", r.ttftMicros());
    num(sb, ",\"status\":", r.status());
    str(sb, ",\"error_code\":", r.errorCode());
    str(sb, ",\"error_class\":", r.errorClass());
    str(sb, ",\"attempts\":", r.attempts());
    sb.append("}\n");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Appends a string field; {@code prefix} is its comma, quoted name and colon, one constant. */
  private static void str(StringBuilder sb, String prefix, String value) {
    sb.append(prefix);
    JsonStrings.quote(sb, value);
  }

  private static void num(StringBuilder sb, String prefix, long value) {
    sb.append(prefix).append(value);
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
