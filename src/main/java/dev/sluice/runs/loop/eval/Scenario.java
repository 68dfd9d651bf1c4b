package dev.sluice.runs.loop.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.Json;
import dev.sluice.sim.content.ToolScript;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * One scripted agent run: what the emulated model does (a {@link ToolScript}), what the client's
 * tools answer, how the client behaves, and whether the run is stuck (and in which pattern) or
 * legitimate. Scenarios are data: YAML lists in {@code src/main/resources/agents/}.
 *
 * @param name a unique name
 * @param stuck whether the run is stuck; legitimate runs must never be stopped
 * @param pattern for a stuck run, the pattern expected ({@code exact_repeat}, {@code tool_repeat}...)
 * @param about one sentence for a person
 * @param loopStartsAt for a stuck run, the first call (from 1) whose request carries the loop's
 *     first state: the first of the repeated requests, or the first result of the repeated tool
 *     call; the run must be refused before K calls from that one on got through
 * @param maxCalls the most calls the client makes (the run ends earlier when the model answers
 *     with text and the client has no reply left)
 * @param tools the tool names offered to the model
 * @param script the emulated model's turns ({@link ToolScript} syntax)
 * @param users the first user message of each sub-agent; several start sub-agents of one run,
 *     which take turns call by call
 * @param results what each tool answers, by tool name: the n-th call of a tool (per sub-agent)
 *     gets the n-th entry, the last entry repeats; {@code {n}} stands for n and {@code {arg.NAME}}
 *     for an argument of the call
 * @param userReplies what the client says after each text answer, in order; when they run out,
 *     the run ends at the next text answer
 * @param resend whether the client resends its first request unchanged instead of continuing the
 *     conversation (a client stuck in its own retry loop)
 * @param failCalls calls (from 1) that the upstream fails with {@code failStatus}; the client
 *     retries a failed call unchanged
 * @param failStatus the HTTP status of those failures
 */
public record Scenario(String name, boolean stuck, String pattern, String about, int loopStartsAt, int maxCalls,
    List<String> tools, String script, List<String> users, Map<String, List<String>> results,
    List<String> userReplies, boolean resend, Set<Integer> failCalls, int failStatus) {

  private static final Set<String> KEYS = Set.of("name", "expect", "pattern", "about", "loop_starts_at", "max_calls",
      "tools", "script", "user", "users", "results", "user_replies", "resend", "fail_calls", "fail_status");
  private static final Set<String> PATTERNS = Set.of("exact_repeat", "tool_repeat", "cycle", "no_progress",
      "error_repeat");

  /** Parses a YAML list of scenarios. @throws IllegalArgumentException naming the scenario and the problem */
  public static List<Scenario> parseAll(String yaml, String source) {
    Object loaded = new Load(LoadSettings.builder().setLabel(source).build()).loadFromString(yaml);
    JsonNode root = Json.MAPPER.valueToTree(loaded);
    if (root == null || !root.isArray()) throw new IllegalArgumentException(source + ": expected a list of scenarios");
    List<Scenario> out = new ArrayList<>();
    for (JsonNode n : root) out.add(parse(n, source));
    return out;
  }

  private static Scenario parse(JsonNode n, String source) {
    String name = n.path("name").asText("");
    String where = source + ": scenario '" + name + "'";
    if (name.isBlank()) throw new IllegalArgumentException(source + ": every scenario needs a name");
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!KEYS.contains(key)) throw new IllegalArgumentException(where + ": unknown key '" + key + "'");
    }
    String expect = n.path("expect").asText("");
    if (!expect.equals("stuck") && !expect.equals("legit")) {
      throw new IllegalArgumentException(where + ": expect must be 'stuck' or 'legit'");
    }
    boolean stuck = expect.equals("stuck");
    String pattern = n.path("pattern").asText(null);
    if (stuck && (pattern == null || !PATTERNS.contains(pattern))) {
      throw new IllegalArgumentException(where + ": a stuck scenario needs a pattern, one of " + PATTERNS);
    }
    if (stuck && !n.path("loop_starts_at").canConvertToInt()) {
      throw new IllegalArgumentException(where + ": a stuck scenario needs loop_starts_at");
    }
    String script = n.path("script").asText("");
    try {
      ToolScript.parse(script);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": script: " + e.getMessage());
    }
    List<String> users = n.has("users") ? strings(n.get("users")) : List.of(n.path("user").asText("Please help me with this task."));
    Map<String, List<String>> results = new LinkedHashMap<>();
    n.path("results").properties().forEach(e -> results.put(e.getKey(), strings(e.getValue())));
    List<Integer> fail = new ArrayList<>();
    n.path("fail_calls").forEach(c -> fail.add(c.asInt()));
    return new Scenario(name, stuck, stuck ? pattern : null, n.path("about").asText(""),
        n.path("loop_starts_at").asInt(1), n.path("max_calls").asInt(20), strings(n.path("tools")), script, users,
        results, strings(n.path("user_replies")), n.path("resend").asBoolean(false), Set.copyOf(fail),
        n.path("fail_status").asInt(503));
  }

  private static List<String> strings(JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n.isArray()) n.forEach(x -> out.add(x.asText()));
    else if (!n.isMissingNode() && !n.isNull()) out.add(n.asText());
    return List.copyOf(out);
  }
}
