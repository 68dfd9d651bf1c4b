package dev.sluice.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.store.LedgerFullException;
import dev.sluice.store.StoreException;
import dev.sluice.store.UsageRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LedgerWriterTest {
  final RecordingSink sink = new RecordingSink();
  LedgerWriter writer;

  @AfterEach
  void closeWriter() {
    sink.release();
    if (writer != null) writer.close();
  }

  @Test
  void recordsQueuedDuringACommitShareTheNextOne() throws Exception {
    writer = new LedgerWriter(sink, new LedgerWriter.Limits(100, 100));
    sink.holdCommits();
    CompletableFuture<Void> first = append("r0");
    sink.awaitCommitStarted();

    List<CompletableFuture<Void>> waiting = new ArrayList<>();
    for (int i = 1; i <= 10; i++) waiting.add(append("r" + i));
    assertThat(waiting).noneMatch(CompletableFuture::isDone);
    assertThat(first).isNotDone(); // not before its commit returned
    sink.release();

    first.get(5, TimeUnit.SECONDS);
    for (CompletableFuture<Void> f : waiting) f.get(5, TimeUnit.SECONDS);
    assertThat(sink.committedBatchSizes()).containsExactly(1, 10);
    assertThat(writer.stats()).isEqualTo(new LedgerStats(11, 0, 0, 2, 0));
  }

  @Test
  void aBatchNeverExceedsTheMaximum() throws Exception {
    writer = new LedgerWriter(sink, new LedgerWriter.Limits(100, 4));
    sink.holdCommits();
    CompletableFuture<Void> first = append("r0");
    sink.awaitCommitStarted();
    List<CompletableFuture<Void>> rest = new ArrayList<>();
    for (int i = 1; i <= 10; i++) rest.add(append("r" + i));
    sink.release();

    first.get(5, TimeUnit.SECONDS);
    for (CompletableFuture<Void> f : rest) f.get(5, TimeUnit.SECONDS);
    assertThat(sink.committedBatchSizes()).containsExactly(1, 4, 4, 2);
    assertThat(sink.committedIds()).containsExactly("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10");
  }

  @Test
  void aFullQueueRefusesAtOnceAndAcceptsAgainOnceDrained() throws Exception {
    writer = new LedgerWriter(sink, new LedgerWriter.Limits(3, 100));
    sink.holdCommits();
    CompletableFuture<Void> inCommit = append("r0");
    sink.awaitCommitStarted();
    List<CompletableFuture<Void>> queued = List.of(append("r1"), append("r2"), append("r3"));

    CompletableFuture<Void> refused = append("r4");
    assertThat(refused).isCompletedExceptionally();
    assertThatThrownBy(refused::get).cause().isInstanceOf(LedgerFullException.class).hasMessageContaining("3 records");

    sink.release();
    inCommit.get(5, TimeUnit.SECONDS);
    for (CompletableFuture<Void> f : queued) f.get(5, TimeUnit.SECONDS);
    append("r5").get(5, TimeUnit.SECONDS);
    assertThat(sink.committedIds()).containsExactly("r0", "r1", "r2", "r3", "r5");
    assertThat(writer.stats().rejected()).isEqualTo(1);
  }

  @Test
  void closingCommitsEverythingQueuedThenRefusesAppends() throws Exception {
    writer = new LedgerWriter(sink, new LedgerWriter.Limits(100, 100));
    sink.holdCommits();
    CompletableFuture<Void> inCommit = append("r0");
    sink.awaitCommitStarted();
    List<CompletableFuture<Void>> queued = List.of(append("r1"), append("r2"));

    Thread closer = Thread.ofPlatform().start(writer::close);
    Thread.sleep(50);
    assertThat(closer.isAlive()).as("close waits for the queued records").isTrue();
    sink.release();
    closer.join(5_000);

    assertThat(closer.isAlive()).isFalse();
    assertThat(inCommit).isCompleted();
    assertThat(queued).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    assertThat(sink.committedIds()).containsExactly("r0", "r1", "r2");
    CompletableFuture<Void> late = append("r3");
    assertThatThrownBy(late::get).cause().isInstanceOf(StoreException.class).hasMessageContaining("closed");
  }

  @Test
  void aFailedCommitFailsItsRecordsAndTheWriterGoesOn() throws Exception {
    writer = new LedgerWriter(sink, new LedgerWriter.Limits(100, 100));
    sink.failNextCommit(new IllegalStateException("database unreachable"));

    CompletableFuture<Void> lost = append("r0");
    assertThatThrownBy(() -> lost.get(5, TimeUnit.SECONDS)).cause().hasMessage("database unreachable");
    append("r1").get(5, TimeUnit.SECONDS);

    assertThat(sink.committedIds()).containsExactly("r1");
    assertThat(writer.stats()).isEqualTo(new LedgerStats(1, 1, 0, 1, 0));
  }

  @Test
  void aBadRecordFailsAloneAndTheRestOfItsBatchIsCommitted() throws Exception {
    writer = new LedgerWriter(sink, new LedgerWriter.Limits(100, 100));
    sink.refuseRecords(Set.of("bad"));
    sink.holdCommits();
    CompletableFuture<Void> first = append("r0");
    sink.awaitCommitStarted();
    CompletableFuture<Void> before = append("r1");
    CompletableFuture<Void> bad = append("bad");
    CompletableFuture<Void> after = append("r2");
    sink.release();

    first.get(5, TimeUnit.SECONDS);
    before.get(5, TimeUnit.SECONDS);
    after.get(5, TimeUnit.SECONDS);
    assertThatThrownBy(() -> bad.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().hasMessageContaining("bad");
    assertThat(sink.committedIds()).containsExactly("r0", "r1", "r2");
  }

  @Test
  void anIncompleteRecordIsRefusedBeforeItIsQueued() {
    writer = new LedgerWriter(sink, new LedgerWriter.Limits(100, 100));

    CompletableFuture<Void> noTenant = writer.append(record("r0", null)).toCompletableFuture();

    assertThatThrownBy(noTenant::get).cause().isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tenant");
    assertThat(sink.committedIds()).isEmpty();
  }

  CompletableFuture<Void> append(String requestId) {
    return writer.append(record(requestId, "acme")).toCompletableFuture();
  }

  static UsageRecord record(String requestId, String tenant) {
    return new UsageRecord(Instant.parse("2026-03-07T15:00:00Z"), requestId, tenant, null, null, null, null, Map.of(),
        "chat", "m", "m", null, null, null, 0, 0, 0, 0, 0, 0, 0, true, "miss", 0, null, 0, -1, 200, null, null, null);
  }

  /**
   * A sink that records what it committed. It can hold commits until released, fail the next
   * commit, or refuse (as a constraint would) any batch holding certain request ids.
   */
  static final class RecordingSink implements LedgerWriter.Sink {
    private final List<List<String>> committed = new ArrayList<>();
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private final CountDownLatch started = new CountDownLatch(1);
    private volatile Exception nextFailure;
    private volatile Set<String> refused = Set.of();

    void holdCommits() {
      gate = new CountDownLatch(1);
    }

    void release() {
      gate.countDown();
    }

    void awaitCommitStarted() throws InterruptedException {
      assertThat(started.await(5, TimeUnit.SECONDS)).as("a commit started").isTrue();
    }

    void failNextCommit(Exception e) {
      nextFailure = e;
    }

    void refuseRecords(Set<String> ids) {
      refused = ids;
    }

    @Override
    public void commit(List<UsageRecord> records) throws Exception {
      started.countDown();
      gate.await();
      Exception failure = nextFailure;
      if (failure != null) {
        nextFailure = null;
        throw failure;
      }
      for (UsageRecord r : records) {
        if (refused.contains(r.requestId())) throw new RowRefused("record " + r.requestId() + " violates a constraint");
      }
      synchronized (committed) {
        committed.add(records.stream().map(UsageRecord::requestId).toList());
      }
    }

    @Override
    public boolean mayBeOneRecord(Exception failure) {
      return failure instanceof RowRefused;
    }

    List<Integer> committedBatchSizes() {
      synchronized (committed) {
        return committed.stream().map(List::size).toList();
      }
    }

    List<String> committedIds() {
      synchronized (committed) {
        return committed.stream().flatMap(List::stream).toList();
      }
    }

    static final class RowRefused extends Exception {
      RowRefused(String message) {
        super(message);
      }
    }
  }
}
