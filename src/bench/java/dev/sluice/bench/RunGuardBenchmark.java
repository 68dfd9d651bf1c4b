package dev.sluice.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.admit.WorstCase;
import dev.sluice.api.JsonBody;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.events.GatewayEvents;
import dev.sluice.meter.PriceResolver;
import dev.sluice.meter.TokenEstimator;
import dev.sluice.pipeline.Attribution;
import dev.sluice.pipeline.Call;
import dev.sluice.pipeline.Operation;
import dev.sluice.pipeline.Principal;
import dev.sluice.pipeline.Reply;
import dev.sluice.pipeline.RequestTrace;
import dev.sluice.pipeline.Served;
import dev.sluice.route.Catalog;
import dev.sluice.runs.RunGuardStage;
import dev.sluice.runs.RunPolicies;
import dev.sluice.runs.RunTracker;
import dev.sluice.runs.RunsConfig;
import dev.sluice.runs.loop.LoopDetector;
import dev.sluice.store.Store;
import dev.sluice.store.Stores;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What tracking an agent run adds to a call: the run guard stage on a call of a run (policy,
 * worst-case estimate, limits and reservation, the gateway's loop detector over a full window,
 * the reply parsed and recorded, the reservation settled) against the same stage on a call that
 * names no run. The rest of the pipeline answers at once, so only the guard is measured. The
 * {@code ...LongRun...} rows do the same for calls of one coding agent whose conversation grows to
 * 130 messages (about 35 KB), with and without the near-duplicate check.
 *
 * <pre>bench/jmh.sh RunGuardBenchmark</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
public class RunGuardBenchmark {
  static final String RESPONSE = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,"
      + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
      + "\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"read_file\","
      + "\"arguments\":\"{\\\"path\\\":\\\"README.md\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}],"
      + "\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":20,\"total_tokens\":140}}";
  /**
   * Distinct request objects the calls cycle through: more than the loop check's window, so no
   * call is a loop, and more than the loop detector keeps per thread, so each call's request is
   * read anew when it is the next one, as a request that has just arrived is.
   */
  static final int STEPS = 1024;
  /** Steps of the long agent run's conversation. */
  static final int LONG_STEPS = 64;

  Path dir;
  Vertx vertx;
  Store store;
  RunGuardStage stage;
  /** The same guard with no near-duplicate check ({@code runs.loops.similarity: off}). */
  RunGuardStage stageWithoutSimilarity;
  GatewayConfig config;
  ObjectNode[] bodies;
  /**
   * One coding agent's conversation, growing by a tool call and a 400-character result each step
   * (to about 35 KB at step 64), then starting again. Each call gets a fresh copy ({@link NextLong}).
   */
  ObjectNode[] longBodies;
  Attribution longRun;
  Attribution longRunWithoutSimilarity;
  Buffer response;
  Served served;
  Attribution run;
  Catalog catalog;
  TokenEstimator estimator;
  int step;

  @Setup
  public void setup() throws Exception {
    dir = Files.createTempDirectory("sluice-run-bench");
    vertx = Vertx.vertx();
    store = Stores.open("sqlite:" + dir.resolve("sluice.db"), InstantSource.system());
    config = new ConfigLoader(Map.<String, String>of()::get).parse("bench", """
        runs: {max_calls: 1000000000000, max_tokens: 1000000000000000, max_cost_usd: 1000000000, max_wall_time: 1000d}
        models:
          - name: gpt-4o-mini
            deployments:
              - {id: a, provider: openai, base_url: "http://127.0.0.1:1/v1"}
        """);
    catalog = Catalog.build(config, (m, d) -> new Object(), null);
    estimator = new TokenEstimator(PriceResolver.shipped());
    RunTracker tracker = new RunTracker(store, vertx, InstantSource.system(), System::nanoTime, GatewayEvents.NONE);
    RunPolicies policies = new RunPolicies(store.runs(), vertx);
    stage = new RunGuardStage(tracker, policies, LoopDetector::forThreshold, store.runs(), catalog,
        estimator, vertx, InstantSource.system(), GatewayEvents.NONE);
    stageWithoutSimilarity = new RunGuardStage(tracker, policies,
        LoopDetector.forGateway(RunsConfig.LoopSimilarity.OFF, () -> null), store.runs(), catalog, estimator, vertx,
        InstantSource.system(), GatewayEvents.NONE);
    bodies = new ObjectNode[STEPS];
    for (int i = 0; i < STEPS; i++) {
      ObjectNode b = Json.MAPPER.createObjectNode().put("model", "gpt-4o-mini").put("max_tokens", 256);
      var messages = b.putArray("messages");
      messages.addObject().put("role", "system").put("content", "You are a coding agent. Use the tools to finish the task.");
      messages.addObject().put("role", "user").put("content", "Fix the failing test in module " + i + ".");
      bodies[i] = b;
    }
    longBodies = new ObjectNode[LONG_STEPS];
    var conversation = Json.MAPPER.createArrayNode();
    conversation.addObject().put("role", "system").put("content", "You are a coding agent. Use the tools to finish the task.");
    conversation.addObject().put("role", "user").put("content", "Add email validation to the users API and its tests.");
    String[] tools = {"read_file", "edit_file", "run_tests", "search_code"};
    for (int i = 0; i < LONG_STEPS; i++) {
      ObjectNode b = Json.MAPPER.createObjectNode().put("model", "gpt-4o-mini").put("max_tokens", 256);
      b.set("messages", conversation.deepCopy());
      longBodies[i] = b;
      ObjectNode said = conversation.addObject().put("role", "assistant").putNull("content");
      said.putArray("tool_calls").addObject().put("id", "call_" + i).put("type", "function").putObject("function")
          .put("name", tools[i % tools.length]).put("arguments", "{\"path\":\"src/module" + i + ".py\"}");
      conversation.addObject().put("role", "tool").put("tool_call_id", "call_" + i).put("content",
          ("def handler_" + i + "(request):\n    payload = request.json()\n    user = User(**payload)\n").repeat(5));
    }
    response = Buffer.buffer(RESPONSE);
    served = new Served("gpt-4o-mini", "a", "openai", "default", "gpt-4o-mini", "gpt-4o-mini");
    run = new Attribution(null, null, "bench-run", null, Map.of());
    longRun = new Attribution(null, null, "bench-long-run", null, Map.of());
    longRunWithoutSimilarity = new Attribution(null, null, "bench-long-run-exact", null, Map.of());
    // the first call of the tenant and the run load them from the store; every later one finds them in memory
    // (with steps the measured calls reach only after the loop check's window has moved past them)
    stage.handle(call(bodies[STEPS - 1], run), c -> Future.succeededFuture(reply())).await(10, TimeUnit.SECONDS);
    stage.handle(call(bodies[STEPS - 2], run), c -> Future.succeededFuture(reply())).await(10, TimeUnit.SECONDS);
    stage.handle(call(longBodies[0], longRun), c -> Future.succeededFuture(reply())).await(10, TimeUnit.SECONDS);
    stageWithoutSimilarity.handle(call(longBodies[0], longRunWithoutSimilarity), c -> Future.succeededFuture(reply()))
        .await(10, TimeUnit.SECONDS);
  }

  @TearDown
  public void tearDown() throws Exception {
    store.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private Call call(ObjectNode body, Attribution attribution) {
    long now = System.nanoTime();
    return new Call("req_bench", Operation.CHAT_COMPLETIONS, body, "gpt-4o-mini", false, false,
        MultiMap.caseInsensitiveMultiMap(), Principal.ADMIN, attribution, new RequestTrace(), config, now,
        now + 60_000_000_000L);
  }

  private Reply reply() {
    return new Reply.Complete(JsonBody.ofBytes(response.copy()), served);
  }

  private Reply handle(Attribution attribution) {
    return handle(call(bodies[step++ & (STEPS - 1)], attribution));
  }

  private Reply handle(Call call) {
    return handle(stage, call);
  }

  private Reply handle(RunGuardStage stage, Call call) {
    Future<Reply> f = stage.handle(call, c -> Future.succeededFuture(reply()));
    call.trace().metered(140, 100_000, 100_000);
    if (!f.succeeded()) throw new IllegalStateException("the guard did not answer at once: " + f.cause());
    return f.result();
  }

  /** Part of a call of a run, for comparison: its worst case (prompt tokenized, priced), which budgets compute too. */
  @Benchmark
  public WorstCase worstCaseAlone() {
    return WorstCase.of(call(bodies[step++ & (STEPS - 1)], run), catalog, estimator);
  }

  /** Part of a call of a run, for comparison: the upstream's answer parsed to find the assistant message. */
  @Benchmark
  public Object replyParsedAlone() {
    return JsonBody.ofBytes(response.copy()).tree().path("choices").path(0).path("message");
  }

  /** A call that names no run: the guard passes it on. */
  @Benchmark
  public Reply callWithoutRun() {
    return handle(Attribution.NONE);
  }

  /** A call of a run: admitted, checked, recorded and settled. */
  @Benchmark
  public Reply callOfARun() {
    return handle(run);
  }

  /**
   * A call that names no run, after admission estimated its worst case (as it does for a tenant
   * with a budget or a rate limit): the baseline of {@link #callOfARunAfterAdmission}.
   */
  @Benchmark
  public Reply callWithoutRunAfterAdmission() {
    Call call = call(bodies[step++ & (STEPS - 1)], Attribution.NONE);
    WorstCase.of(call, catalog, estimator);
    return handle(call);
  }

  /**
   * A call of a long agent run: its conversation so far (the {@code longBodies} in turn, 2 to 130
   * messages), the loop check over the last 20 such calls.
   */
  @Benchmark
  public Reply callOfALongRun(NextLong next) {
    return handle(call(next.body, longRun));
  }

  /** {@link #callOfALongRun} without the near-duplicate check: the run tracking's own cost. */
  @Benchmark
  public Reply callOfALongRunWithoutSimilarity(NextLong next) {
    return handle(stageWithoutSimilarity, call(next.body, longRunWithoutSimilarity));
  }

  /** For comparison: the exact worst case of those calls (their whole conversation tokenized). */
  @Benchmark
  public WorstCase worstCaseOfALongRunAlone(NextLong next) {
    return WorstCase.of(call(next.body, longRun), catalog, estimator);
  }

  /**
   * The request of the long run's next call, copied before each call and not timed: a request
   * that reaches the gateway has just been parsed, so it is a new object, in the cache, that the
   * loop detector has not read yet.
   */
  @State(Scope.Thread)
  public static class NextLong {
    ObjectNode body;
    int step;

    @Setup(org.openjdk.jmh.annotations.Level.Invocation)
    public void copy(RunGuardBenchmark bench) {
      body = bench.longBodies[step++ & (LONG_STEPS - 1)].deepCopy();
    }
  }

  /** A call of a run after admission estimated its worst case, which the guard then reuses. */
  @Benchmark
  public Reply callOfARunAfterAdmission() {
    Call call = call(bodies[step++ & (STEPS - 1)], run);
    WorstCase.of(call, catalog, estimator);
    return handle(call);
  }

}
