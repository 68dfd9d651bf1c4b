package dev.sluice.runs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.meter.Money;
import dev.sluice.metrics.PrometheusMetrics;
import dev.sluice.store.Store;
import dev.sluice.store.Stores;
import dev.sluice.store.UsageRecord;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-memory side of runs: exact admission under contention, resuming from the ledger, ended runs as metrics. */
class RunTrackerTest {
  static final RunPolicy TEN_CALLS = new RunPolicy(10, 1_000_000, Money.NANOS_PER_USD, Duration.ofHours(1), 4,
      RunPolicy.LoopVerdict.STOP, 3);
  static final LoopCheck NO_LOOPS = (history, next) -> java.util.Optional.empty();

  @TempDir
  Path dir;
  Vertx vertx;
  Store store;
  PrometheusMetrics metrics;
  RunTracker tracker;

  @BeforeEach
  void open() {
    vertx = Vertx.vertx();
    store = Stores.open("sqlite:" + dir.resolve("sluice.db"), InstantSource.system());
    metrics = new PrometheusMetrics(() -> null, System::nanoTime);
    tracker = new RunTracker(store, vertx, InstantSource.system(), System::nanoTime, metrics);
  }

  @AfterEach
  void close() {
    store.close();
    vertx.close().await();
  }

  @Test
  void twoHundredThreadsAdmittingAtOnceGetExactlyTheRunsTenCalls() {
    RunTracker.Run run = tracker.run("acme", "swarm", null).await();
    AtomicInteger admitted = new AtomicInteger();
    try (ExecutorService pool = Executors.newFixedThreadPool(32)) {
      List<CompletableFuture<Void>> all = new java.util.ArrayList<>();
      for (int i = 0; i < 200; i++) {
        all.add(CompletableFuture.runAsync(() -> {
          if (run.admit(TEN_CALLS, 100, 1_000, true, NO_LOOPS, RunCall.next(request("x"))) instanceof RunTracker.Admission.Admitted a) {
            admitted.incrementAndGet();
            a.reservation().settle(50, 500);
          }
        }, pool));
      }
      all.forEach(CompletableFuture::join);
    }

    assertThat(admitted).hasValue(10);
    assertThat(run.calls()).isEqualTo(10);
    assertThat(run.costNanos()).as("what the calls used, not what they reserved").isEqualTo(5_000);
  }

  @Test
  void aRunSeenAgainAfterARestartResumesFromTheLedger() {
    for (int i = 0; i < 3; i++) {
      store.ledger().append(record("req_" + i, "acme", "resumed", 200, 7_000)).toCompletableFuture().join();
    }
    store.ledger().append(record("req_refused", "acme", "resumed", 429, 0)).toCompletableFuture().join();
    store.ledger().append(record("req_other", "globex", "resumed", 200, 7_000)).toCompletableFuture().join();

    RunTracker.Run run = tracker.run("acme", "resumed", null).await();

    assertThat(run.calls()).as("served calls of this tenant's run only").isEqualTo(3);
    assertThat(run.costNanos()).isEqualTo(21_000);
  }

  @Test
  void aRunThatGoesIdleIsReportedAsOneAgentInvocation() {
    RunTracker.Run run = tracker.run("acme", "agent", null).await();
    for (int i = 0; i < 3; i++) {
      var a = (RunTracker.Admission.Admitted) run.admit(TEN_CALLS, 10, 10, true, NO_LOOPS, RunCall.next(request("q" + i)));
      ObjectNode reply = Json.MAPPER.createObjectNode().put("role", "assistant");
      if (i == 0) reply.putArray("tool_calls").add(Json.MAPPER.createObjectNode()).add(Json.MAPPER.createObjectNode());
      run.record(new RunCall(request("q" + i), reply, 200, null));
      a.reservation().settle(10, 10);
    }

    assertThat(tracker.evictIdle(Duration.ofHours(1))).as("not idle yet").isEmpty();
    assertThat(tracker.evictIdle(Duration.ZERO)).hasSize(1);

    String scrape = metrics.scrape();
    assertThat(scrape).contains("gen_ai_invoke_agent_inference_calls_count{gen_ai_operation_name=\"invoke_agent\",tenant=\"acme\"} 1")
        .contains("gen_ai_invoke_agent_inference_calls_sum{gen_ai_operation_name=\"invoke_agent\",tenant=\"acme\"} 3.0")
        .contains("gen_ai_invoke_agent_tool_calls_sum{gen_ai_operation_name=\"invoke_agent\",tenant=\"acme\"} 2.0")
        .contains("gen_ai_invoke_agent_duration_seconds_count");
    assertThat(tracker.loaded("acme", "agent")).isEmpty();
  }

  private static ObjectNode request(String message) {
    ObjectNode o = Json.MAPPER.createObjectNode().put("model", "m");
    o.putArray("messages").addObject().put("role", "user").put("content", message);
    return o;
  }

  private static UsageRecord record(String id, String tenant, String run, int status, long costNanos) {
    return new UsageRecord(Instant.now(), id, tenant, null, null, null, run, Map.of(), "chat.completions", "m",
        status == 200 ? "m" : null, status == 200 ? "openai-1" : null, "openai", "default", 12, 0, 0, 5, 0, costNanos,
        costNanos, true, "off", 0, null, 1000, -1, status, status == 200 ? null : "run_limit_exceeded", null,
        status == 200 ? "[{\"status\":200}]" : "[]");
  }
}
