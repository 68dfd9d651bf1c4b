package dev.sluice.runs.loop.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plays a {@link Scenario} as an OpenAI client would: sends the conversation, appends the
 * assistant's answer, runs the tools it asked for (their scripted results) and sends again, until
 * the model answers with text and the client has nothing left to say, the call budget is spent, or
 * a call is refused as a loop. Sub-agents of one run take turns, one call each. A failed call is
 * retried unchanged.
 */
public final class AgentDriver {

  private static final Pattern PATTERN = Pattern.compile("exact_repeat|tool_repeat|cycle|no_progress|error_repeat");

  private final String model;

  /** @param model the model name the requests carry */
  public AgentDriver(String model) {
    this.model = model;
  }

  /**
   * What happened to a run.
   *
   * @param calls calls the client made, the refused one included
   * @param refusedAt the call refused as a loop (from 1), or 0
   * @param pattern the pattern named in the refusal, or {@code null}
   * @param detail the refusal's detail, starting with its pattern, or {@code null}
   */
  public record Run(int calls, int refusedAt, String pattern, String detail) {}

  /** Plays {@code scenario} as run {@code runId} against {@code target}. */
  public Run play(Scenario scenario, String runId, AgentModel target) {
    List<Agent> agents = new ArrayList<>();
    for (String user : scenario.users()) agents.add(new Agent(scenario, user));
    int call = 0;
    while (call < scenario.maxCalls() && agents.stream().anyMatch(a -> !a.done)) {
      for (Agent agent : agents) {
        if (agent.done || call >= scenario.maxCalls()) continue;
        call++;
        ObjectNode request = agent.request(scenario, model);
        AgentModel.Answer answer = target.call(runId, scenario, request, call);
        if (answer.refusedAsLoop()) {
          Matcher m = PATTERN.matcher(String.valueOf(answer.detail())); // the first word names it
          return new Run(call, call, m.find() ? m.group() : null, answer.detail());
        }
        if (answer.status() >= 400) continue; // retried unchanged on its next turn
        if (!scenario.resend()) agent.answered(scenario, answer.message());
      }
    }
    return new Run(call, 0, null, null);
  }

  /** One conversation. */
  private static final class Agent {
    final ArrayNode messages = Json.MAPPER.createArrayNode();
    final Map<String, Integer> toolCalls = new HashMap<>();
    int replies;
    boolean done;

    Agent(Scenario s, String user) {
      messages.addObject().put("role", "system").put("content", "You are an agent. Use the tools to finish the task.");
      messages.addObject().put("role", "user").put("content", user);
    }

    ObjectNode request(Scenario s, String model) {
      ObjectNode body = Json.MAPPER.createObjectNode().put("model", model);
      body.set("messages", messages.deepCopy());
      if (!s.tools().isEmpty()) {
        ArrayNode tools = body.putArray("tools");
        for (String t : s.tools()) {
          ObjectNode f = tools.addObject().put("type", "function").putObject("function");
          f.put("name", t).put("description", "The " + t + " tool.");
          f.putObject("parameters").put("type", "object");
        }
      }
      body.put("max_tokens", 48);
      return body;
    }

    void answered(Scenario s, ObjectNode message) {
      ObjectNode assistant = messages.addObject().put("role", "assistant");
      assistant.set("content", message.path("content").deepCopy());
      JsonNode calls = message.path("tool_calls");
      if (calls.isArray() && !calls.isEmpty()) {
        assistant.set("tool_calls", calls.deepCopy());
        for (JsonNode tc : calls) {
          messages.addObject().put("role", "tool").put("tool_call_id", tc.path("id").asText())
              .put("content", result(s, tc.path("function")));
        }
      } else if (replies < s.userReplies().size()) {
        messages.addObject().put("role", "user").put("content", s.userReplies().get(replies++));
      } else {
        done = true;
      }
    }

    /** The scripted result of a tool call: the n-th entry for the tool's n-th call, with {n} and {arg.X} filled in. */
    String result(Scenario s, JsonNode function) {
      String name = function.path("name").asText();
      int n = toolCalls.merge(name, 1, Integer::sum);
      List<String> results = s.results().getOrDefault(name, List.of("ok"));
      String text = results.get(Math.min(n, results.size()) - 1).replace("{n}", Integer.toString(n));
      JsonNode args;
      try {
        args = Json.MAPPER.readTree(function.path("arguments").asText("{}"));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        args = Json.MAPPER.createObjectNode();
      }
      Matcher m = Pattern.compile("\\{arg\\.([A-Za-z0-9_]+)}").matcher(text);
      StringBuilder out = new StringBuilder();
      while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(args.path(m.group(1)).asText("")));
      m.appendTail(out);
      return out.toString();
    }
  }
}
