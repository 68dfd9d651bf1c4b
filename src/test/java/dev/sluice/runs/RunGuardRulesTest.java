package dev.sluice.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.error.GatewayException;
import dev.sluice.meter.Money;
import io.vertx.core.MultiMap;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The run guard's pure rules: limits, the minimal loop check, tightening headers and key policies, delays, reply assembly. */
class RunGuardRulesTest {
  static final RunPolicy POLICY = new RunPolicy(10, 1_000, Money.NANOS_PER_USD, Duration.ofMinutes(5), 2,
      RunPolicy.LoopVerdict.STOP, 3);

  static RunLimits.Usage usage(long calls, long tokens, long reservedTokens, long cost, long reservedCost, int depth,
      Duration elapsed) {
    return new RunLimits.Usage(calls, tokens, reservedTokens, cost, reservedCost, depth, elapsed);
  }

  @Test
  void aCallFitsWhenUsedPlusHeldPlusItsWorstCaseStaysWithinEveryLimit() {
    assertThat(RunLimits.check("r", POLICY, usage(9, 500, 400, 0, 0, 2, Duration.ofMinutes(5)), 100, 0)).isNull();
  }

  @Test
  void eachLimitRefusesByItsOwnKey() {
    assertThat(RunLimits.check("r", POLICY, usage(10, 0, 0, 0, 0, 0, Duration.ZERO), 1, 0).limit()).isEqualTo("max_calls");
    assertThat(RunLimits.check("r", POLICY, usage(0, 500, 400, 0, 0, 0, Duration.ZERO), 101, 0).limit())
        .as("tokens held by calls in flight count").isEqualTo("max_tokens");
    assertThat(RunLimits.check("r", POLICY, usage(0, 0, 0, 600_000_000, 300_000_000, 0, Duration.ZERO), 0,
        100_000_001).limit()).isEqualTo("max_cost_usd");
    assertThat(RunLimits.check("r", POLICY, usage(0, 0, 0, 0, 0, 3, Duration.ZERO), 0, 0).limit()).isEqualTo("max_depth");
    assertThat(RunLimits.check("r", POLICY, usage(0, 0, 0, 0, 0, 0, Duration.ofMinutes(6)), 0, 0).limit())
        .isEqualTo("max_wall_time");
  }

  @Test
  void theExactRepeatCheckFindsTheKthSightingOfTheSameRequestOnly() {
    ExactRepeatCheck check = new ExactRepeatCheck(3);
    RunCall same = RunCall.next(request("list files", false));
    RunCall streamedSame = RunCall.next(request("list files", true));
    RunCall other = RunCall.next(request("read a.txt", false));

    assertThat(check.inspect(List.of(same), streamedSame)).as("twice is not a loop").isEmpty();
    assertThat(check.inspect(List.of(same, other), streamedSame)).isEmpty();
    assertThat(check.inspect(List.of(same, other, same), streamedSame)).get()
        .satisfies(f -> assertThat(f.pattern()).isEqualTo("exact_repeat"));
    assertThat(check.inspect(List.of(same, same), other)).isEmpty();
  }

  @Test
  void requestHeadersLowerTheLimitsButNeverRaiseThem() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap()
        .add("X-Sluice-Run-Max-Calls", "1000").add("X-Sluice-Run-Max-Cost-Usd", "0.25");

    RunPolicy p = RunGuardStage.tightened(POLICY, headers);

    assertThat(p.maxCalls()).isEqualTo(10);
    assertThat(p.maxCostNanos()).isEqualTo(250_000_000);
    assertThatThrownBy(() -> RunGuardStage.tightened(POLICY, MultiMap.caseInsensitiveMultiMap()
        .add("X-Sluice-Run-Max-Cost-Usd", "-1"))).isInstanceOf(GatewayException.class);
  }

  @Test
  void theSlowDownDoublesFromAQuarterSecondUpToEightSeconds() {
    assertThat(List.of(1, 2, 3, 4, 5, 6, 7, 50).stream().map(RunGuardStage::delayMillis))
        .containsExactly(250L, 500L, 1000L, 2000L, 4000L, 8000L, 8000L, 8000L);
  }

  @Test
  void aTenantPolicyNamesOnlyKnownKeys() {
    ObjectNode keys = Json.MAPPER.createObjectNode().put("max_calls", 5);
    keys.putObject("loops").put("verdict", "slow");

    RunPolicy p = RunPolicy.DEFAULT.over(keys);

    assertThat(p.maxCalls()).isEqualTo(5);
    assertThat(p.loopVerdict()).isEqualTo(RunPolicy.LoopVerdict.SLOW);
    assertThat(p.maxDepth()).isEqualTo(RunPolicy.DEFAULT.maxDepth());
    assertThatThrownBy(() -> RunPolicy.DEFAULT.over(Json.MAPPER.createObjectNode().put("max_call", 5)))
        .hasMessageContaining("max_call");
    assertThatThrownBy(() -> RunPolicy.DEFAULT.over(Json.MAPPER.createObjectNode().put("max_wall_time", "soon")))
        .hasMessageContaining("max_wall_time");
  }

  @Test
  void aKeyPolicyTightensEachKeyItSetsAndLoosensNone() {
    ObjectNode keys = Json.MAPPER.createObjectNode().put("max_calls", 1_000).put("max_cost_usd", 0.5)
        .put("max_wall_time", "1h").put("max_depth", 1);
    keys.putObject("loops").put("verdict", "warn").put("repeat_threshold", 2);

    RunPolicy p = POLICY.tightenedBy(keys);

    assertThat(p.maxCalls()).as("looser: the tenant's").isEqualTo(10);
    assertThat(p.maxCostNanos()).isEqualTo(500_000_000);
    assertThat(p.maxWallTime()).isEqualTo(Duration.ofMinutes(5));
    assertThat(p.maxDepth()).isEqualTo(1);
    assertThat(p.loopVerdict()).as("warn is milder than stop").isEqualTo(RunPolicy.LoopVerdict.STOP);
    assertThat(p.repeatThreshold()).isEqualTo(2);
    assertThat(p.maxTokens()).as("not set: the tenant's").isEqualTo(1_000);
    ObjectNode slow = Json.MAPPER.createObjectNode();
    slow.putObject("loops").put("verdict", "slow");
    RunPolicy warning = new RunPolicy(10, 1_000, 1, Duration.ofMinutes(5), 2, RunPolicy.LoopVerdict.WARN, 3);
    assertThat(warning.tightenedBy(slow).loopVerdict()).isEqualTo(RunPolicy.LoopVerdict.SLOW);
  }

  @Test
  void theAssistantMessageIsReadFromACompletionWithoutParsingTheRest() {
    String completion = "{\"usage\":{\"prompt_tokens\":1,\"details\":{\"cached\":[1,2,{\"x\":\"message\"}]}},"
        + "\"id\":\"c\",\"choices\":[{\"index\":0,\"logprobs\":{\"content\":[{\"token\":\"message\"}]},"
        + "\"message\":{\"role\":\"assistant\",\"content\":\"hi \\\"there\\\"\",\"tool_calls\":[{\"id\":\"t\","
        + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}},{\"index\":1,\"message\":{\"content\":\"other\"}}]}";
    dev.sluice.pipeline.Served served = null;
    var fromBytes = new dev.sluice.pipeline.Reply.Complete(dev.sluice.api.JsonBody.ofBytes(
        io.vertx.core.buffer.Buffer.buffer(completion)), served);
    var parsed = dev.sluice.api.JsonBody.ofBytes(io.vertx.core.buffer.Buffer.buffer(completion));
    parsed.tree();

    ObjectNode message = RunGuardStage.assistantMessage(fromBytes);

    assertThat(message).isEqualTo(parsed.tree().at("/choices/0/message"));
    assertThat(message.get("content").asText()).isEqualTo("hi \"there\"");
    assertThat(RunGuardStage.assistantMessage(new dev.sluice.pipeline.Reply.Complete(parsed, served))).isEqualTo(message);
    assertThat(RunGuardStage.assistantMessage(new dev.sluice.pipeline.Reply.Complete(dev.sluice.api.JsonBody.ofBytes(
        io.vertx.core.buffer.Buffer.buffer("{\"choices\":[]}")), served))).isNull();
    assertThat(RunGuardStage.assistantMessage(new dev.sluice.pipeline.Reply.Complete(dev.sluice.api.JsonBody.ofBytes(
        io.vertx.core.buffer.Buffer.buffer("not json")), served))).isNull();
  }

  @Test
  void aStreamedReplyIsPutBackTogetherWithItsToolCalls() throws Exception {
    ReplyAssembler a = new ReplyAssembler();
    a.add(chunk("{\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"Let me \"}}]}"));
    a.add(chunk("{\"choices\":[{\"delta\":{\"content\":\"look.\"}}]}"));
    a.add(chunk("{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\","
        + "\"function\":{\"name\":\"ls\",\"arguments\":\"{\\\"pa\"}}]}}]}"));
    a.add(chunk("{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"th\\\":\\\"/\\\"}\"}}]}}]}"));

    ObjectNode m = a.message();

    assertThat(m.get("content").asText()).isEqualTo("Let me look.");
    assertThat(m.at("/tool_calls/0/id").asText()).isEqualTo("call_1");
    assertThat(m.at("/tool_calls/0/function/name").asText()).isEqualTo("ls");
    assertThat(m.at("/tool_calls/0/function/arguments").asText()).isEqualTo("{\"path\":\"/\"}");
  }

  private static ObjectNode request(String message, boolean stream) {
    ObjectNode o = Json.MAPPER.createObjectNode().put("model", "m");
    o.putArray("messages").addObject().put("role", "user").put("content", message);
    if (stream) o.put("stream", true);
    return o;
  }

  private static ObjectNode chunk(String json) throws Exception {
    return (ObjectNode) Json.MAPPER.readTree(json);
  }
}
