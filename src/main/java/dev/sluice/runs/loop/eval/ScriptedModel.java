package dev.sluice.runs.loop.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.sim.content.ToolScript;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * The model of a scenario without a network: answers each request with the turn its tool script
 * gives for the conversation's number of assistant messages, as the emulator does, and fails the
 * calls the scenario says fail. Text answers are a deterministic sentence derived from the request,
 * so the same request gets the same answer and different requests different ones. Arguments the
 * script leaves out are {@code {}}.
 */
public final class ScriptedModel implements AgentModel {

  @Override
  public Answer call(String run, Scenario scenario, ObjectNode request, int call) {
    if (scenario.failCalls().contains(call)) {
      return new Answer(scenario.failStatus(), "upstream_error", null, "the upstream failed with " + scenario.failStatus());
    }
    JsonNode messages = request.path("messages");
    int assistantTurns = 0;
    for (JsonNode m : messages) if ("assistant".equals(m.path("role").asText())) assistantTurns++;
    ObjectNode message = Json.MAPPER.createObjectNode().put("role", "assistant");
    ToolScript.Turn turn = ToolScript.parse(scenario.script()).turn(assistantTurns);
    if (turn instanceof ToolScript.Turn.Calls calls && request.has("tools")) {
      message.putNull("content");
      ArrayNode out = message.putArray("tool_calls");
      int i = 0;
      for (ToolScript.Call c : calls.calls()) {
        ObjectNode tc = out.addObject().put("id", "call_" + assistantTurns + "_" + i++).put("type", "function");
        tc.putObject("function").put("name", c.name()).put("arguments", c.arguments() == null ? "{}" : c.arguments());
      }
    } else {
      CRC32 crc = new CRC32();
      crc.update(messages.toString().getBytes(StandardCharsets.UTF_8));
      message.put("content", "Here is what I found (" + HexFormat.of().toHexDigits((int) crc.getValue()) + ").");
    }
    return Answer.ok(message);
  }
}
