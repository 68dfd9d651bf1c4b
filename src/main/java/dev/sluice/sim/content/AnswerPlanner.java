package dev.sluice.sim.content;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.sim.profile.ContentSpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Decides what the emulated model answers: a recorded dataset answer, tool calls (scripted or by
 * default rules), or deterministic pseudo-text, then applies max_tokens, min_tokens, ignore_eos
 * and stop sequences. A pure function of the {@link AnswerRequest}: the same request gets the same
 * answer, whatever the load. Thread-safe.
 *
 * <p>Default tool behaviour without a script: with {@code tool_choice} {@code auto}, call the first
 * offered tool unless the last message is a tool result, then answer with text; {@code required}
 * always calls the first tool; a named choice calls that tool; {@code none} answers with text.
 * Arguments not given by a script are generated from the tool's JSON schema.
 */
public final class AnswerPlanner {

  /** The planner's decision; {@code correct} and {@code rowId} are set in dataset mode only. */
  public sealed interface Plan {
    record Planned(Answer answer, Boolean correct, String rowId) implements Plan {}

    /** The dataset has no row for the request; the message says what was looked up. */
    record NoRow(String message) implements Plan {}
  }

  private final ContentSpec content;
  private final Dataset dataset;

  /** @param dataset recorded answers to serve, or {@code null} to generate text */
  public AnswerPlanner(ContentSpec content, Dataset dataset) {
    this.content = content;
    this.dataset = dataset;
  }

  public boolean datasetMode() {
    return dataset != null;
  }

  public Plan plan(AnswerRequest r) {
    if (dataset != null) {
      var row = r.rowId() != null ? dataset.byId(r.rowId()) : dataset.byPrompt(r.promptText());
      if (row.isEmpty()) {
        return new Plan.NoRow(r.rowId() != null
            ? "No dataset row has id '" + r.rowId() + "' (ids are <file name without extension>:<row number from 1>)."
            : "No dataset row has exactly this prompt; send the row id in the X-Sluice-Sim-Row header or the exact prompt text.");
      }
      Dataset.Row d = row.get();
      String text = d.response() != null ? d.response() : String.valueOf("ABCD".charAt(Math.floorMod(d.id().hashCode(), 4)));
      List<String> deltas = deltasOf(text);
      return new Plan.Planned(finishText(r, deltas, deltas.size()), d.correct(), d.id());
    }
    Answer.ToolCalls calls = toolCalls(r);
    if (calls != null) return new Plan.Planned(calls, null, null);
    int natural = TextGenerator.naturalLength(r.seed(), content.answerMedianTokens(), content.answerSigma());
    int n = r.ignoreEos() ? r.maxTokens() : Math.min(Math.max(natural, r.minTokens()), r.maxTokens());
    List<String> pieces = TextGenerator.pieces(r.seed(), n);
    return new Plan.Planned(finishText(r, pieces, r.ignoreEos() ? Integer.MAX_VALUE : Math.max(natural, r.minTokens())), null, null);
  }

  /**
   * Cuts {@code pieces} to max_tokens and at the first stop sequence.
   *
   * @param wanted how many tokens the answer would have without max_tokens
   */
  private Answer.Text finishText(AnswerRequest r, List<String> pieces, int wanted) {
    int n = Math.min(pieces.size(), r.maxTokens());
    String finish = wanted > r.maxTokens() ? "length" : "stop";
    List<String> deltas = new ArrayList<>(pieces.subList(0, n));
    if (!r.stop().isEmpty()) {
      String text = String.join("", deltas);
      int cut = -1;
      for (String s : r.stop()) {
        if (s.isEmpty()) continue;
        int at = text.indexOf(s);
        if (at >= 0 && (cut < 0 || at < cut)) cut = at;
      }
      if (cut >= 0) {
        int start = 0;
        for (int i = 0; i < deltas.size(); i++) {
          int end = start + deltas.get(i).length();
          if (end > cut || (end == cut && i == deltas.size() - 1)) {
            deltas.set(i, deltas.get(i).substring(0, cut - start));
            deltas.subList(i + 1, deltas.size()).clear();
            break;
          }
          start = end;
        }
        finish = "stop";
      }
    }
    List<Answer.TokenLogprob> logprobs = r.logprobs() ? logprobs(r, deltas) : List.of();
    return new Answer.Text(deltas, finish, logprobs);
  }

  private static List<Answer.TokenLogprob> logprobs(AnswerRequest r, List<String> deltas) {
    List<Answer.TokenLogprob> out = new ArrayList<>(deltas.size());
    for (int i = 0; i < deltas.size(); i++) {
      long h = mix(r.seed() + 31L * i);
      double lp = -((h >>> 11) * 0x1.0p-53) * 1.5;
      List<Answer.TokenLogprob.Alternative> top = new ArrayList<>();
      if (r.topLogprobs() > 0) top.add(new Answer.TokenLogprob.Alternative(deltas.get(i), round(lp)));
      for (int k = 1; k < r.topLogprobs(); k++) {
        long hk = mix(h + k);
        top.add(new Answer.TokenLogprob.Alternative(" " + TextGenerator.word(hk), round(lp - 0.5 * k - ((hk >>> 11) * 0x1.0p-53))));
      }
      out.add(new Answer.TokenLogprob(deltas.get(i), round(lp), top));
    }
    return out;
  }

  private static double round(double d) {
    return Math.round(d * 1e6) / 1e6;
  }

  // ------------------------------------------------------------------ tools

  /** The tool calls this request answers with, or {@code null} for a text answer. */
  private Answer.ToolCalls toolCalls(AnswerRequest r) {
    if (r.tools().isEmpty() || r.toolChoice().mode() == AnswerRequest.ToolChoice.Mode.NONE) return null;
    List<ToolScript.Call> calls;
    switch (r.toolChoice().mode()) {
      case NAMED -> calls = List.of(new ToolScript.Call(r.toolChoice().name(), null));
      case REQUIRED, AUTO -> {
        if (r.script() != null) {
          if (!(r.script().turn(r.assistantTurns()) instanceof ToolScript.Turn.Calls c)) return null;
          calls = c.calls();
        } else if (r.toolChoice().mode() == AnswerRequest.ToolChoice.Mode.AUTO && r.lastIsToolResult()) {
          return null;
        } else {
          calls = List.of(new ToolScript.Call(r.tools().getFirst().name(), null));
        }
      }
      default -> throw new IllegalStateException();
    }
    List<Answer.ToolCall> out = new ArrayList<>();
    List<Answer.ToolDelta> deltas = new ArrayList<>();
    for (int i = 0; i < calls.size(); i++) {
      ToolScript.Call c = calls.get(i);
      long seed = mix(r.seed() ^ (0x9E3779B97F4A7C15L * (r.assistantTurns() + 1)) ^ i);
      String args = c.arguments() != null ? c.arguments() : arguments(schemaOf(r, c.name()), seed).toString();
      String id = "call_" + HexFormat.of().toHexDigits(seed) + HexFormat.of().toHexDigits(mix(seed)).substring(0, 8);
      out.add(new Answer.ToolCall(id, c.name(), args));
      deltas.add(new Answer.ToolDelta(i, true, ""));
      for (String fragment : deltasOf(args)) deltas.add(new Answer.ToolDelta(i, false, fragment));
    }
    return new Answer.ToolCalls(out, deltas);
  }

  private static JsonNode schemaOf(AnswerRequest r, String name) {
    for (AnswerRequest.Tool t : r.tools()) {
      if (t.name().equals(name)) return t.parameters();
    }
    return null;
  }

  /** Plausible arguments for a JSON schema: every property, values chosen from {@code seed}. */
  static ObjectNode arguments(JsonNode schema, long seed) {
    JsonNode v = value(schema, seed, 0);
    return v instanceof ObjectNode o ? o : JsonNodeFactory.instance.objectNode();
  }

  private static JsonNode value(JsonNode schema, long seed, int depth) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (schema == null || !schema.isObject()) return f.objectNode();
    JsonNode values = schema.get("enum");
    if (values != null && values.isArray() && !values.isEmpty()) return values.get((int) Math.floorMod(seed, (long) values.size()));
    String type = schema.path("type").isArray() ? firstNonNull(schema.path("type")) : schema.path("type").asText("object");
    return switch (type) {
      case "string" -> f.textNode(TextGenerator.word(seed));
      case "integer" -> f.numberNode(Math.floorMod(seed, 100L));
      case "number" -> f.numberNode(Math.floorMod(seed, 1000L) / 10.0);
      case "boolean" -> f.booleanNode((seed & 1) == 0);
      case "array" -> {
        ArrayNode a = f.arrayNode();
        if (depth < 3) a.add(value(schema.get("items"), mix(seed), depth + 1));
        yield a;
      }
      case "null" -> f.nullNode();
      default -> {
        ObjectNode o = f.objectNode();
        if (depth < 3) {
          var fields = schema.path("properties").properties();
          for (var e : fields) o.set(e.getKey(), value(e.getValue(), mix(seed ^ e.getKey().hashCode()), depth + 1));
        }
        yield o;
      }
    };
  }

  private static String firstNonNull(JsonNode types) {
    for (JsonNode t : types) {
      if (!"null".equals(t.asText())) return t.asText();
    }
    return "null";
  }

  // ------------------------------------------------------------------ text

  /**
   * {@code text} split into one delta per {@link Tokenizer} token. A token that ends inside a
   * multi-byte character contributes the characters completed so far (possibly none), so the
   * deltas concatenate to {@code text} exactly.
   */
  public static List<String> deltasOf(String text) {
    int[] tokens = Tokenizer.encode(text);
    List<String> out = new ArrayList<>(tokens.length);
    ByteArrayOutputStream pending = new ByteArrayOutputStream();
    for (int i = 0; i < tokens.length; i++) {
      pending.writeBytes(Tokenizer.decodeBytes(tokens, i, i + 1));
      byte[] b = pending.toByteArray();
      int complete = completePrefix(b);
      out.add(new String(b, 0, complete, StandardCharsets.UTF_8));
      pending.reset();
      pending.write(b, complete, b.length - complete);
    }
    if (pending.size() > 0 && !out.isEmpty()) {
      int last = out.size() - 1;
      out.set(last, out.get(last) + pending.toString(StandardCharsets.UTF_8));
    }
    return out;
  }

  /** Length of the longest prefix of {@code b} that ends on a UTF-8 character boundary. */
  private static int completePrefix(byte[] b) {
    int i = b.length - 1;
    int back = 0;
    while (i >= 0 && back < 4 && (b[i] & 0xC0) == 0x80) {
      i--;
      back++;
    }
    if (i < 0) return 0;
    int lead = b[i] & 0xFF;
    int need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return b.length - i >= need ? b.length : i;
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
