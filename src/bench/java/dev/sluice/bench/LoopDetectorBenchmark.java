package dev.sluice.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.provider.local.Embedder;
import dev.sluice.provider.local.MiniLm;
import dev.sluice.runs.LoopFinding;
import dev.sluice.runs.RunCall;
import dev.sluice.runs.loop.EmbeddingLoopCheck;
import dev.sluice.runs.loop.LexicalSimilarity;
import dev.sluice.runs.loop.LoopDetector;
import dev.sluice.runs.loop.LoopSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the loop check costs per call: {@code inspect} over a full window of 20 calls of a
 * progressing coding agent (each call's request holds the whole conversation so far, tool results
 * of about 400 characters), which is the common case and the most work (no check stops early on a
 * finding), the next call a request object not seen before (the earlier calls' are, as in a run's
 * window). {@code withoutSimilarity}: the four exact checks only; {@code lexicalSimilarity}: plus
 * near-duplicates by character trigrams; {@code miniLmPrepared}: plus near-duplicates by MiniLM
 * vectors already kept (the synchronous part that runs on the event loop; embedding new texts runs
 * on the embedder's thread, see {@code LocalEmbedderBenchmark}).
 *
 * <p>Run: {@code bench/jmh.sh LoopDetectorBenchmark -f 1 -wi 3 -i 5}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LoopDetectorBenchmark {

  private List<RunCall> history;
  private RunCall next;
  /**
   * Copies of the next call, each its own request object as every call that reaches a gateway is:
   * the detector keeps per thread what it read of each call, so inspecting one object again and
   * again would measure only the lookups. More copies than it keeps, so each is read anew.
   */
  private RunCall[] nexts;
  private int turn;
  private static final int NEXTS = 256;
  private LoopDetector exactOnly;
  private LoopDetector lexical;
  private Embedder embedder;
  private EmbeddingLoopCheck miniLm;

  @Setup(Level.Trial)
  public void setUp() {
    ArrayNode messages = Json.MAPPER.createArrayNode();
    messages.addObject().put("role", "system").put("content", "You are a coding agent. Use the tools.");
    messages.addObject().put("role", "user").put("content", "Add email validation to the users API and its tests.");
    List<RunCall> calls = new ArrayList<>();
    String[] tools = {"read_file", "edit_file", "run_tests", "search_code"};
    for (int i = 0; i < 20; i++) {
      ObjectNode request = Json.MAPPER.createObjectNode().put("model", "m");
      request.set("messages", messages.deepCopy());
      ObjectNode reply = Json.MAPPER.createObjectNode().put("role", "assistant").putNull("content");
      String tool = tools[i % tools.length];
      reply.putArray("tool_calls").addObject().put("id", "call_" + i).put("type", "function").putObject("function")
          .put("name", tool).put("arguments", "{\"path\":\"src/module" + i + ".py\",\"line\":" + (10 * i) + "}");
      calls.add(new RunCall(request, reply, 200, null));
      messages.add(reply.deepCopy());
      messages.addObject().put("role", "tool").put("tool_call_id", "call_" + i).put("content",
          ("def handler_" + i + "(request):\n    payload = request.json()\n    user_" + i + " = User(**payload)\n"
              + "    if not user_" + i + ".email: raise ValidationError('email " + i + "')\n").repeat(3));
    }
    ObjectNode request = Json.MAPPER.createObjectNode().put("model", "m");
    request.set("messages", messages);
    history = List.copyOf(calls);
    next = RunCall.next(request);
    nexts = new RunCall[NEXTS];
    for (int i = 0; i < NEXTS; i++) nexts[i] = RunCall.next(request.deepCopy());
    exactOnly = LoopDetector.lexical(LoopSettings.DEFAULT.withSimilarity(false, 0.9));
    lexical = LoopDetector.lexical(LoopSettings.DEFAULT.withSimilarity(true, LexicalSimilarity.THRESHOLD));
    embedder = MiniLm.start();
    miniLm = new EmbeddingLoopCheck(LoopSettings.DEFAULT, embedder, 1_000);
    miniLm.prepare(history, next).await();
    if (exactOnly.inspect(history, next).isPresent() || lexical.inspect(history, next).isPresent()
        || miniLm.inspect(history, next).isPresent()) {
      throw new IllegalStateException("the benchmark's run must look like progress");
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    embedder.close();
  }

  @Benchmark
  public Optional<LoopFinding> withoutSimilarity() {
    return exactOnly.inspect(history, nexts[turn++ & (NEXTS - 1)]);
  }

  @Benchmark
  public Optional<LoopFinding> lexicalSimilarity() {
    return lexical.inspect(history, nexts[turn++ & (NEXTS - 1)]);
  }

  @Benchmark
  public Optional<LoopFinding> miniLmPrepared() {
    return miniLm.inspect(history, nexts[turn++ & (NEXTS - 1)]);
  }
}
