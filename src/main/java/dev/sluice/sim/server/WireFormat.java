package dev.sluice.sim.server;

import dev.sluice.api.JsonStrings;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.sim.content.Answer;
import java.util.List;

/**
 * The OpenAI wire format of the emulator's answers: whole bodies for non-streamed calls (built as
 * JSON trees) and one {@code data:} payload per streamed token (assembled from templates, since a
 * busy emulator writes tens of thousands per second). Pure: no I/O.
 */
final class WireFormat {
  private final String model;

  WireFormat(String model) {
    this.model = model;
  }

  /** Token counts of one call. */
  record Usage(int promptTokens, int completionTokens, int cachedTokens) {
    ObjectNode json() {
      ObjectNode u = Json.MAPPER.createObjectNode();
      u.put("prompt_tokens", promptTokens);
      u.put("completion_tokens", completionTokens);
      u.put("total_tokens", promptTokens + completionTokens);
      u.putObject("prompt_tokens_details").put("cached_tokens", cachedTokens);
      return u;
    }
  }

  // ------------------------------------------------------------------ chat

  ObjectNode chatCompletion(String id, long created, Answer answer, Usage usage) {
    ObjectNode o = head(id, "chat.completion", created);
    o.put("system_fingerprint", "fp_sluice_sim");
    ObjectNode choice = o.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message");
    message.put("role", "assistant");
    switch (answer) {
      case Answer.Text t -> {
        message.put("content", t.content());
        if (t.logprobs().isEmpty()) {
          choice.putNull("logprobs");
        } else {
          ArrayNode content = choice.putObject("logprobs").putArray("content");
          for (Answer.TokenLogprob lp : t.logprobs()) content.add(logprob(lp));
        }
      }
      case Answer.ToolCalls c -> {
        message.putNull("content");
        ArrayNode calls = message.putArray("tool_calls");
        for (Answer.ToolCall call : c.calls()) {
          ObjectNode n = calls.addObject();
          n.put("id", call.id());
          n.put("type", "function");
          n.putObject("function").put("name", call.name()).put("arguments", call.arguments());
        }
        choice.putNull("logprobs");
      }
    }
    choice.put("finish_reason", answer.finishReason());
    o.set("usage", usage.json());
    return o;
  }

  /** The first chunk of a chat stream: the assistant role. */
  String chatRoleChunk(String id, long created) {
    return chunkPrefix(id, "chat.completion.chunk", created) + "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}";
  }

  /** The chunk carrying output token {@code index} of {@code answer}. */
  String chatTokenChunk(String id, long created, Answer answer, int index) {
    StringBuilder sb = new StringBuilder(192);
    sb.append(chunkPrefix(id, "chat.completion.chunk", created)).append("{\"index\":0,\"delta\":");
    switch (answer) {
      case Answer.Text t -> {
        sb.append("{\"content\":").append(JsonStrings.quote(t.deltas().get(index))).append('}');
        if (t.logprobs().isEmpty()) {
          sb.append(",\"logprobs\":null");
        } else {
          sb.append(",\"logprobs\":{\"content\":[").append(logprob(t.logprobs().get(index))).append("]}");
        }
      }
      case Answer.ToolCalls c -> {
        Answer.ToolDelta d = c.deltas().get(index);
        sb.append("{\"tool_calls\":[{\"index\":").append(d.callIndex());
        if (d.header()) {
          Answer.ToolCall call = c.calls().get(d.callIndex());
          sb.append(",\"id\":").append(JsonStrings.quote(call.id())).append(",\"type\":\"function\",\"function\":{\"name\":")
              .append(JsonStrings.quote(call.name())).append(",\"arguments\":\"\"}}]}");
        } else {
          sb.append(",\"function\":{\"arguments\":").append(JsonStrings.quote(d.argumentsFragment())).append("}}]}");
        }
        sb.append(",\"logprobs\":null");
      }
    }
    return sb.append(",\"finish_reason\":null}]}").toString();
  }

  String chatFinishChunk(String id, long created, String finishReason) {
    return chunkPrefix(id, "chat.completion.chunk", created) + "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":"
        + JsonStrings.quote(finishReason) + "}]}";
  }

  /** The usage-only last chunk of a stream ({@code stream_options.include_usage}). */
  String usageChunk(String id, String object, long created, Usage usage) {
    return chunkPrefix(id, object, created) + "],\"usage\":" + usage.json() + "}";
  }

  // ------------------------------------------------------------------ completions

  ObjectNode textCompletion(String id, long created, Answer.Text answer, Usage usage) {
    ObjectNode o = head(id, "text_completion", created);
    ObjectNode choice = o.putArray("choices").addObject();
    choice.put("text", answer.content());
    choice.put("index", 0);
    if (answer.logprobs().isEmpty()) {
      choice.putNull("logprobs");
    } else {
      ObjectNode lp = choice.putObject("logprobs");
      ArrayNode tokens = lp.putArray("tokens");
      ArrayNode values = lp.putArray("token_logprobs");
      for (Answer.TokenLogprob t : answer.logprobs()) {
        tokens.add(t.token());
        values.add(t.logprob());
      }
    }
    choice.put("finish_reason", answer.finishReason());
    o.set("usage", usage.json());
    return o;
  }

  String textChunk(String id, long created, String text, String finishReason) {
    return chunkPrefix(id, "text_completion", created) + "{\"text\":" + JsonStrings.quote(text) + ",\"index\":0,\"logprobs\":null,\"finish_reason\":"
        + (finishReason == null ? "null" : JsonStrings.quote(finishReason)) + "}]}";
  }

  // ------------------------------------------------------------------ embeddings and models

  ObjectNode embeddings(List<float[]> vectors, boolean base64, int promptTokens) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("object", "list");
    ArrayNode data = o.putArray("data");
    for (int i = 0; i < vectors.size(); i++) {
      ObjectNode e = data.addObject();
      e.put("object", "embedding");
      e.put("index", i);
      float[] v = vectors.get(i);
      if (base64) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        e.put("embedding", java.util.Base64.getEncoder().encodeToString(b.array()));
      } else {
        ArrayNode a = e.putArray("embedding");
        for (float f : v) a.add(f);
      }
    }
    o.put("model", model);
    o.putObject("usage").put("prompt_tokens", promptTokens).put("total_tokens", promptTokens);
    return o;
  }

  ObjectNode models(long created, String profile, int maxModelLen) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("object", "list");
    o.putArray("data").add(model(created, profile, maxModelLen));
    return o;
  }

  ObjectNode model(long created, String profile, int maxModelLen) {
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("id", model);
    m.put("object", "model");
    m.put("created", created);
    m.put("owned_by", "sluice-sim");
    m.put("root", model);
    m.put("max_model_len", maxModelLen);
    m.put("sluice_sim_profile", profile);
    return m;
  }

  // ------------------------------------------------------------------ parts

  private ObjectNode head(String id, String object, long created) {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("id", id);
    o.put("object", object);
    o.put("created", created);
    o.put("model", model);
    return o;
  }

  private String chunkPrefix(String id, String object, long created) {
    return "{\"id\":\"" + id + "\",\"object\":\"" + object + "\",\"created\":" + created + ",\"model\":" + JsonStrings.quote(model)
        + ",\"choices\":[";
  }

  private static ObjectNode logprob(Answer.TokenLogprob lp) {
    ObjectNode n = Json.MAPPER.createObjectNode();
    n.put("token", lp.token());
    n.put("logprob", lp.logprob());
    ArrayNode bytes = n.putArray("bytes");
    for (byte b : lp.token().getBytes(java.nio.charset.StandardCharsets.UTF_8)) bytes.add(b & 0xFF);
    ArrayNode top = n.putArray("top_logprobs");
    for (Answer.TokenLogprob.Alternative a : lp.top()) {
      ObjectNode t = top.addObject();
      t.put("token", a.token());
      t.put("logprob", a.logprob());
      ArrayNode tb = t.putArray("bytes");
      for (byte b : a.token().getBytes(java.nio.charset.StandardCharsets.UTF_8)) tb.add(b & 0xFF);
    }
    return n;
  }
}
