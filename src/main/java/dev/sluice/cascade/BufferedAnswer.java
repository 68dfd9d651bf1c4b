package dev.sluice.cascade;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.stream.Chunk;
import dev.sluice.stream.ChunkEmitter;
import dev.sluice.stream.ChunkStream;

/** A whole chat completion, kept by the confidence policy, as the client asked to receive it. */
final class BufferedAnswer {
  private BufferedAnswer() {}

  /**
   * The answer without the log-probabilities Sluice asked for on its own account; unchanged (the
   * same node) when the client asked for them too.
   */
  static ObjectNode withoutUnaskedLogprobs(ObjectNode answer, JsonNode clientBody) {
    if (clientBody.path("logprobs").asBoolean(false)) return answer;
    ObjectNode copy = answer.deepCopy();
    for (JsonNode choice : copy.path("choices")) {
      if (choice instanceof ObjectNode o && o.has("logprobs")) o.putNull("logprobs");
    }
    return copy;
  }

  /**
   * The answer replayed as the chunks a streaming upstream would have sent: per choice, one chunk
   * with the whole message and one with its finish reason, then a usage chunk (which the HTTP edge
   * passes on only when the client asked for it).
   */
  static ChunkStream replay(ObjectNode answer) {
    ChunkEmitter out = new ChunkEmitter(new ChunkEmitter.Flow() {
      @Override
      public void pause() {}

      @Override
      public void resume() {}

      @Override
      public void cancel() {}
    });
    for (JsonNode choice : answer.path("choices")) {
      ObjectNode delta = Json.MAPPER.createObjectNode();
      JsonNode message = choice.path("message");
      delta.put("role", message.path("role").asText("assistant"));
      delta.set("content", message.path("content").isMissingNode() ? null : message.get("content"));
      if (message.has("refusal")) delta.set("refusal", message.get("refusal"));
      if (message.path("tool_calls").isArray()) {
        var calls = delta.putArray("tool_calls");
        int i = 0;
        for (JsonNode call : message.get("tool_calls")) {
          ObjectNode c = call.deepCopy();
          c.put("index", i++);
          calls.add(c);
        }
      }
      ObjectNode content = chunk(answer);
      ObjectNode c = content.putArray("choices").addObject();
      c.put("index", choice.path("index").asInt());
      c.set("delta", delta);
      c.set("logprobs", choice.get("logprobs"));
      c.putNull("finish_reason");
      out.emit(Chunk.ofJson(content));
      ObjectNode finish = chunk(answer);
      ObjectNode f = finish.putArray("choices").addObject();
      f.put("index", choice.path("index").asInt());
      f.putObject("delta");
      f.set("finish_reason", choice.get("finish_reason"));
      out.emit(Chunk.ofJson(finish));
    }
    if (answer.hasNonNull("usage")) {
      ObjectNode usage = chunk(answer);
      usage.putArray("choices");
      usage.set("usage", answer.get("usage"));
      out.emit(Chunk.ofJson(usage));
    }
    out.complete();
    return out;
  }

  private static ObjectNode chunk(ObjectNode answer) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.set("id", answer.get("id"));
    o.put("object", "chat.completion.chunk");
    o.set("created", answer.get("created"));
    o.set("model", answer.get("model"));
    if (answer.has("system_fingerprint")) o.set("system_fingerprint", answer.get("system_fingerprint"));
    return o;
  }
}
