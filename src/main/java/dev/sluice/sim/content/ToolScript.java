package dev.sluice.sim.content;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.Json;
import java.util.ArrayList;
import java.util.List;

/**
 * A script saying what an emulated model does at each turn of an agent conversation, to rehearse
 * agents (including agents stuck in loops) without a model. Turn {@code n} is the answer to a
 * request whose messages already hold {@code n} assistant messages.
 *
 * <pre>
 *   script := turn (";" turn)* [";" "repeat"]
 *   turn   := "text"                           a plain text answer
 *           | "call:" call ("," call)* ["*"]    tool calls, in parallel when several
 *   call   := NAME [JSON-OBJECT]               arguments; generated from the tool's schema when absent
 * </pre>
 *
 * A turn ending in {@code *} repeats for ever (it must be the last); {@code repeat} cycles through
 * all turns for ever. Otherwise, past the last turn the model answers with text. Examples:
 * {@code call:get_weather{"city":"Paris"}; text} (one tool round, then an answer),
 * {@code call:search{"q":"x"}*} (an agent stuck calling the same tool),
 * {@code call:search; call:fetch; repeat} (an agent oscillating between two tools).
 */
public record ToolScript(List<Turn> turns, Repeat repeat) {

  /** One turn of the script. */
  public sealed interface Turn {
    record Text() implements Turn {}

    record Calls(List<Call> calls) implements Turn {}
  }

  /** One call: a tool name and its JSON arguments ({@code null}: generate them from the tool's schema). */
  public record Call(String name, String arguments) {}

  public enum Repeat { NONE, LAST, ALL }

  /** The turn for a request holding {@code assistantTurns} assistant messages. */
  public Turn turn(int assistantTurns) {
    if (assistantTurns < turns.size()) return turns.get(assistantTurns);
    return switch (repeat) {
      case LAST -> turns.getLast();
      case ALL -> turns.get(assistantTurns % turns.size());
      case NONE -> new Turn.Text();
    };
  }

  /**
   * Parses a script.
   *
   * @throws IllegalArgumentException with a message naming the problem and where it is
   */
  public static ToolScript parse(String text) {
    List<Turn> turns = new ArrayList<>();
    Repeat repeat = Repeat.NONE;
    List<String> parts = splitTopLevel(text, ';');
    for (int i = 0; i < parts.size(); i++) {
      String part = parts.get(i).strip();
      boolean last = i == parts.size() - 1;
      if (part.equals("repeat")) {
        if (!last || turns.isEmpty()) throw new IllegalArgumentException("'repeat' must come last, after at least one turn");
        repeat = Repeat.ALL;
      } else if (part.equals("text")) {
        turns.add(new Turn.Text());
      } else if (part.startsWith("call:")) {
        String body = part.substring(5).strip();
        if (body.endsWith("*")) {
          if (!last) throw new IllegalArgumentException("only the last turn may repeat with '*': " + part);
          repeat = Repeat.LAST;
          body = body.substring(0, body.length() - 1).strip();
        }
        List<Call> calls = new ArrayList<>();
        for (String c : splitTopLevel(body, ',')) calls.add(call(c.strip()));
        if (calls.isEmpty()) throw new IllegalArgumentException("'call:' needs at least one tool name");
        turns.add(new Turn.Calls(calls));
      } else {
        throw new IllegalArgumentException("turn " + (i + 1) + " is '" + part
            + "'; expected 'text', 'call:NAME{...}' or a final 'repeat'");
      }
    }
    if (turns.isEmpty()) throw new IllegalArgumentException("the script is empty");
    return new ToolScript(List.copyOf(turns), repeat);
  }

  private static Call call(String c) {
    int brace = c.indexOf('{');
    String name = (brace < 0 ? c : c.substring(0, brace)).strip();
    if (name.isEmpty() || !name.matches("[A-Za-z0-9_.\\-]+")) {
      throw new IllegalArgumentException("'" + c + "' is not a tool name optionally followed by JSON arguments");
    }
    if (brace < 0) return new Call(name, null);
    String args = c.substring(brace);
    try {
      JsonNode n = Json.MAPPER.readTree(args);
      if (!n.isObject()) throw new IllegalArgumentException("arguments of " + name + " must be a JSON object");
      return new Call(name, n.toString());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("arguments of " + name + " are not valid JSON, " + Json.syntaxProblem(e));
    }
  }

  /** Splits on {@code sep} outside JSON braces and strings. */
  private static List<String> splitTopLevel(String s, char sep) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    boolean inString = false;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (inString) {
        if (ch == '\\') i++;
        else if (ch == '"') inString = false;
      } else if (ch == '"') {
        inString = true;
      } else if (ch == '{' || ch == '[') {
        depth++;
      } else if (ch == '}' || ch == ']') {
        depth--;
      } else if (ch == sep && depth == 0) {
        out.add(s.substring(start, i));
        start = i + 1;
      }
    }
    String tail = s.substring(start);
    if (!tail.isBlank() || !out.isEmpty()) out.add(tail);
    out.removeIf(String::isBlank);
    return out;
  }
}
