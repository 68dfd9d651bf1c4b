package dev.sluice.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournaledLedgerTest {

  /** A database ledger that keeps one record per request id, and can be told to hold commits back. */
  static final class RecordingLedger implements UsageLedger {
    final Map<String, UsageRecord> records = new LinkedHashMap<>();
    final List<CompletableFuture<Void>> held = new ArrayList<>();
    boolean hold;

    @Override
    public synchronized CompletionStage<Void> append(UsageRecord r) {
      records.putIfAbsent(r.requestId(), r);
      if (!hold) return CompletableFuture.completedFuture(null);
      CompletableFuture<Void> f = new CompletableFuture<>();
      held.add(f);
      return f;
    }

    @Override
    public List<Row> aggregate(Query query) {
      return List.of();
    }

    @Override
    public List<LatencyRow> latency(Query query) {
      return List.of();
    }

    @Override
    public List<UsageRecord> byRequestId(String requestId) {
      return List.of();
    }

    @Override
    public List<UsageRecord> byRun(String tenant, String run) {
      return List.of();
    }

    @Override
    public long chargeNanos(String tenant, String keyId, String feature, String user, Instant from, Instant to) {
      return 0;
    }
  }

  static UsageRecord record(String id) {
    return new UsageRecord(Instant.parse("2026-11-26T10:00:00.123456Z"), id, "acme", "key_1", "search", "u1", "run-1",
        Map.of("env", "prod"), "chat", "m", "m", "openai-1", "openai", "gpu", 12, 3, 1, 5, 2, 22_000, 26_400, true,
        "miss", 0, null, 1234, 567, 200, null, null, "[]");
  }

  /** The journal's one segment file. */
  static Path onlySegment(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      List<Path> all = files.toList();
      assertThat(all).hasSize(1);
      return all.getFirst();
    }
  }

  /** What a process that died in the middle of copying a line leaves: the line's first bytes after the last record. */
  static void crashWhileWriting(Path segment, byte[] partialLine) throws IOException {
    byte[] file = Files.readAllBytes(segment);
    int end = 0;
    while (end < file.length && file[end] != 0) end++;
    try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(partialLine), end);
    }
  }

  @Test
  void aSegmentLeftForTheNextStartHoldsOnlyItsRecords(@TempDir Path dir) throws Exception {
    RecordingLedger db = new RecordingLedger();
    db.hold = true;
    JournaledLedger ledger = JournaledLedger.open(db, dir);
    ledger.append(record("req_1"));
    ledger.append(record("req_2"));
    ledger.close();

    Path segment = onlySegment(dir);
    byte[] expected = new byte[0];
    for (String id : List.of("req_1", "req_2")) {
      byte[] line = JournaledLedger.encode(record(id));
      byte[] joined = Arrays.copyOf(expected, expected.length + line.length);
      System.arraycopy(line, 0, joined, expected.length, line.length);
      expected = joined;
    }
    assertThat(Files.readAllBytes(segment)).as("two JSON lines, nothing after them").isEqualTo(expected);

    RecordingLedger fresh = new RecordingLedger();
    JournaledLedger.open(fresh, dir).close();
    assertThat(fresh.records).containsOnlyKeys("req_1", "req_2");
  }

  @Test
  void anAppendAfterCloseFailsItsStageInsteadOfThrowing(@TempDir Path dir) {
    JournaledLedger ledger = JournaledLedger.open(new RecordingLedger(), dir);
    ledger.close();

    CompletableFuture<Void> appended = ledger.append(record("req_1")).toCompletableFuture();

    assertThat(appended).isCompletedExceptionally();
    assertThat(appended.exceptionNow()).isInstanceOf(StoreException.class);
  }

  @Test
  void aRecordSurvivesInTheJournalUntilTheDatabaseHasIt(@TempDir Path dir) throws Exception {
    RecordingLedger db = new RecordingLedger();
    db.hold = true;
    JournaledLedger ledger = JournaledLedger.open(db, dir);

    assertThat(ledger.append(record("req_1")).toCompletableFuture()).isCompleted();

    // the process dies here: the database never committed; a new process replays the journal
    RecordingLedger fresh = new RecordingLedger();
    JournaledLedger.open(fresh, dir).close();
    assertThat(fresh.records).containsOnlyKeys("req_1");
    assertThat(fresh.records.get("req_1")).isEqualTo(record("req_1"));
    try (var files = Files.list(dir)) {
      assertThat(files.toList()).as("replayed segments are removed, and an empty one on close").isEmpty();
    }
  }

  @Test
  void aLineCutShortByACrashIsSkippedAndOthersAreNotDuplicated(@TempDir Path dir) throws Exception {
    RecordingLedger db = new RecordingLedger();
    JournaledLedger ledger = JournaledLedger.open(db, dir);
    ledger.append(record("req_1"));
    ledger.append(record("req_2"));
    Path segment = onlySegment(dir);
    crashWhileWriting(segment, "{\"time_us\":17, \"request_id\":\"req_3\", \"ten".getBytes(StandardCharsets.UTF_8));

    RecordingLedger again = new RecordingLedger();
    again.records.put("req_1", record("req_1")); // already committed before the crash
    JournaledLedger.open(again, dir).close();

    assertThat(again.records).containsOnlyKeys("req_1", "req_2");
  }

  @Test
  void aLineCutInsideACharacterIsSkippedToo(@TempDir Path dir) throws Exception {
    RecordingLedger db = new RecordingLedger();
    db.hold = true;
    JournaledLedger ledger = JournaledLedger.open(db, dir);
    ledger.append(record("req_1"));
    Path segment = onlySegment(dir);
    UsageRecord r = record("req_2");
    byte[] line = JournaledLedger.encode(new UsageRecord(r.time(), r.requestId(), r.tenant(), r.keyId(), "recherche élargie",
        r.user(), r.run(), r.tags(), r.operation(), r.modelAsked(), r.modelServed(), r.deployment(), r.provider(), r.pool(),
        r.inputTokens(), r.cachedInputTokens(), r.cacheWriteTokens(), r.outputTokens(), r.reasoningTokens(), r.costNanos(),
        r.chargeNanos(), r.priced(), r.cacheStatus(), r.avoidedNanos(), r.mechanism(), r.latencyMicros(), r.ttftMicros(),
        r.status(), r.errorCode(), r.errorClass(), r.attempts()));
    int cut = new String(line, StandardCharsets.ISO_8859_1).indexOf('\u00c3') + 1; // after the first byte of 'é'
    crashWhileWriting(segment, Arrays.copyOf(line, cut));

    RecordingLedger again = new RecordingLedger();
    JournaledLedger.open(again, dir).close();

    assertThat(again.records).containsOnlyKeys("req_1");
  }

  @Test
  void aCommittedSegmentIsEmptiedAndWrittenAgainAsTheJournalRolls(@TempDir Path dir) throws Exception {
    RecordingLedger db = new RecordingLedger();
    JournaledLedger ledger = JournaledLedger.open(db, dir);
    Path first = onlySegment(dir);
    Object firstFile = Files.readAttributes(first, BasicFileAttributes.class).fileKey();

    appendSegmentful(ledger, "a");
    awaitSpareZeroed(dir);
    appendSegmentful(ledger, "b");
    awaitSpareZeroed(dir);

    try (var files = Files.list(dir)) {
      List<Path> all = files.sorted().toList();
      assertThat(all).as("the current segment and one emptied spare").hasSize(2);
      assertThat(Files.readAttributes(all.getLast(), BasicFileAttributes.class).fileKey())
          .as("the third segment is the first one's file, renamed").isEqualTo(firstFile);
    }
    ledger.close();
    try (var files = Files.list(dir)) {
      assertThat(files.toList()).as("everything was committed").isEmpty();
    }
  }

  @Test
  void aReusedSegmentReplaysOnlyWhatWasWrittenSinceItsReuse(@TempDir Path dir) throws Exception {
    RecordingLedger db = new RecordingLedger();
    JournaledLedger ledger = JournaledLedger.open(db, dir);
    appendSegmentful(ledger, "a");
    awaitSpareZeroed(dir);
    List<String> b = appendSegmentful(ledger, "b");
    awaitSpareZeroed(dir);
    db.hold = true;
    ledger.append(record("c_0000001"));
    ledger.append(record("c_0000002"));

    // the process dies here; a new one replays the journal
    RecordingLedger fresh = new RecordingLedger();
    JournaledLedger.open(fresh, dir).close();

    assertThat(fresh.records.keySet()).as("no record of the segment's earlier use comes back")
        .noneMatch(id -> id.startsWith("a_"))
        .contains("c_0000001", "c_0000002", b.getLast());
    assertThat(fresh.records.keySet()).allMatch(id -> id.startsWith("b_") || id.startsWith("c_"));
  }

  /** Appends one segment's worth of records and a few more, so the journal rolls once; returns their ids. */
  private static List<String> appendSegmentful(JournaledLedger ledger, String prefix) {
    long lines = JournaledLedger.SEGMENT_BYTES / JournaledLedger.encode(record("x_0000000")).length + 10;
    List<String> ids = new ArrayList<>();
    for (long i = 0; i < lines; i++) {
      String id = prefix + "_" + String.format("%07d", i);
      ledger.append(record(id));
      ids.add(id);
    }
    return ids;
  }

  /** Waits until the journal holds a segment of nothing but zero bytes: the retired one, emptied. */
  private static void awaitSpareZeroed(Path dir) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (System.nanoTime() < deadline) {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          byte[] bytes = Files.readAllBytes(f);
          if (bytes.length > 0 && Arrays.mismatch(bytes, new byte[bytes.length]) == -1) return;
        }
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no segment was emptied for reuse within 10 s");
  }
}
