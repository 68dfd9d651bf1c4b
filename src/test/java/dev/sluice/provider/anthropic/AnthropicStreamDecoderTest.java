package dev.sluice.provider.anthropic;

import static dev.sluice.provider.anthropic.AnthropicCodecTest.json;
import static dev.sluice.provider.anthropic.AnthropicCodecTest.normalise;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayError;
import dev.sluice.provider.UpstreamException;
import dev.sluice.provider.UpstreamFailure;
import dev.sluice.stream.Chunk;
import dev.sluice.stream.ChunkEmitter;
import dev.sluice.stream.ChunkStream;
import dev.sluice.stream.SseParser;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Anthropic event streams, in the shape the API sends them, decoded into OpenAI chunks. */
class AnthropicStreamDecoderTest {
  private static final long CREATED = 1_700_000_000L;

  private static final String MESSAGE_START = """
      event: message_start
      data: {"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-20250514","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}

      """;

  @Test
  void aTextStreamBecomesRoleContentFinishAndUsageChunks() {
    Recording r = decode(MESSAGE_START + """
        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"!"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}

        event: message_stop
        data: {"type":"message_stop"}

        """);

    assertThat(r.completed).isTrue();
    assertThat(r.chunks).containsExactly(
        json("""
            {"id":"msg_01","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-20250514",
             "choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]}
            """),
        json("""
            {"id":"msg_01","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-20250514",
             "choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]}
            """),
        json("""
            {"id":"msg_01","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-20250514",
             "choices":[{"index":0,"delta":{"content":"!"},"logprobs":null,"finish_reason":null}]}
            """),
        json("""
            {"id":"msg_01","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-20250514",
             "choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}
            """),
        json("""
            {"id":"msg_01","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-20250514",
             "choices":[],
             "usage":{"prompt_tokens":25,"completion_tokens":15,"total_tokens":40,
                      "prompt_tokens_details":{"cached_tokens":0},
                      "cache_read_input_tokens":0,"cache_creation_input_tokens":0}}
            """));
    assertThat(r.raw.getLast().isUsageOnly()).isTrue();
  }

  @Test
  void parallelToolUseBlocksBecomeToolCallDeltasIndexedFromZero() {
    Recording r = decode(MESSAGE_START + """
        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking both."}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_A","name":"get_weather","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\": \\"Pa"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ris\\"}"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":1}

        event: content_block_start
        data: {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_B","name":"get_weather","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\": \\"Oslo\\"}"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":2}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

        event: message_stop
        data: {"type":"message_stop"}

        """);

    assertThat(r.completed).isTrue();
    List<JsonNode> deltas = r.deltas();
    assertThat(deltas.get(1)).isEqualTo(json("{\"content\":\"Checking both.\"}"));
    assertThat(deltas.get(2)).isEqualTo(json("""
        {"tool_calls":[{"index":0,"id":"toolu_A","type":"function","function":{"name":"get_weather","arguments":""}}]}
        """));
    assertThat(deltas.get(3)).isEqualTo(json("""
        {"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\": \\"Pa"}}]}
        """));
    assertThat(deltas.get(5)).isEqualTo(json("""
        {"tool_calls":[{"index":1,"id":"toolu_B","type":"function","function":{"name":"get_weather","arguments":""}}]}
        """));
    assertThat(r.arguments(0)).isEqualTo("{\"city\": \"Paris\"}");
    assertThat(r.arguments(1)).isEqualTo("{\"city\": \"Oslo\"}");
    assertThat(r.chunks.get(r.chunks.size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
  }

  @Test
  void thinkingIsNotPassedOn() {
    Recording r = decode(MESSAGE_START + """
        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think."}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"42"}}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":30}}

        event: message_stop
        data: {"type":"message_stop"}

        """);

    assertThat(r.chunks).hasSize(4);
    assertThat(r.deltas().get(1)).isEqualTo(json("{\"content\":\"42\"}"));
    assertThat(r.chunks.toString()).doesNotContain("think").doesNotContain("EqQB");
  }

  @Test
  void usageCombinesTheInputSideOfMessageStartWithTheCumulativeCountsOfMessageDelta() {
    Recording r = decode("""
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_c","model":"claude","content":[],"usage":{"input_tokens":10,"cache_creation_input_tokens":200,"cache_read_input_tokens":3000,"output_tokens":1}}}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"max_tokens"},"usage":{"output_tokens":7,"cache_read_input_tokens":3000}}

        event: message_stop
        data: {"type":"message_stop"}

        """);

    assertThat(r.chunks.get(1).at("/choices/0/finish_reason").asText()).isEqualTo("length");
    assertThat(normalise(r.chunks.getLast().get("usage"))).isEqualTo(json("""
        {"prompt_tokens":3210,"completion_tokens":7,"total_tokens":3217,
         "prompt_tokens_details":{"cached_tokens":3000},
         "cache_read_input_tokens":3000,"cache_creation_input_tokens":200}
        """));
  }

  @Test
  void anErrorEventMidStreamFailsWithTheStatusItsTypeStandsFor() {
    AnthropicStreamDecoder decoder = new AnthropicStreamDecoder(CREATED);
    Recording r = new Recording();
    feed(decoder, r.emitter, MESSAGE_START + """
        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}

        """);

    assertThatThrownBy(() -> feed(decoder, r.emitter, """
        event: error
        data: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}

        """)).isInstanceOfSatisfying(UpstreamException.class, e -> {
          UpstreamFailure.ErrorStatus s = (UpstreamFailure.ErrorStatus) e.failure();
          assertThat(s.status()).isEqualTo(529);
          assertThat(s.type()).isEqualTo("overloaded_error");
          assertThat(s.message()).isEqualTo("Overloaded");
        });
    assertThat(r.chunks).hasSize(2);
    assertThat(decoder.endedWithoutMarker()).isFalse();
  }

  @Test
  void anErrorEventBeforeTheMessageStartsIsAnErrorStatusToo() {
    assertThatThrownBy(() -> decode("""
        event: error
        data: {"type":"error","error":{"type":"rate_limit_error","message":"Slow down"}}

        """)).isInstanceOfSatisfying(UpstreamException.class,
            e -> assertThat(((UpstreamFailure.ErrorStatus) e.failure()).status()).isEqualTo(429));
  }

  @Test
  void malformedEventsAreReportedAsMalformed() {
    for (String stream : List.of(
        "event: message_start\ndata: not json\n\n",
        "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\"}}\n\n",
        MESSAGE_START + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":4,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\n\n",
        MESSAGE_START + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"content_block\":{\"type\":\"text\"}}\n\n",
        "event: message_start\ndata: {\"type\":\"message_start\"}\n\n")) {
      assertThatThrownBy(() -> decode(stream)).as(stream)
          .isInstanceOfSatisfying(UpstreamException.class,
              e -> assertThat(e.failure()).isInstanceOf(UpstreamFailure.Malformed.class));
    }
  }

  @Test
  void unknownEventsAndDeltaTypesAreIgnored() {
    Recording r = decode(MESSAGE_START + """
        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"query\\":\\"x\\"}"}}

        event: something_new
        data: {"type":"something_new","detail":1}

        event: message_stop
        data: {"type":"message_stop"}

        """);
    assertThat(r.completed).isTrue();
    assertThat(r.chunks).hasSize(2);
  }

  // ---------------------------------------------------------------- helpers

  private static Recording decode(String sse) {
    Recording r = new Recording();
    feed(new AnthropicStreamDecoder(CREATED), r.emitter, sse);
    return r;
  }

  private static void feed(AnthropicStreamDecoder decoder, ChunkEmitter out, String sse) {
    SseParser parser = new SseParser((event, data) -> decoder.onEvent(event, data, out));
    parser.feed(sse.getBytes(StandardCharsets.UTF_8));
    parser.end();
  }

  /** Subscribes to an emitter and keeps what it delivers. */
  private static final class Recording implements ChunkStream.Subscriber {
    final ChunkEmitter emitter = new ChunkEmitter(null);
    final List<Chunk> raw = new ArrayList<>();
    final List<ObjectNode> chunks = new ArrayList<>();
    boolean completed;
    GatewayError error;

    Recording() {
      emitter.subscribe(this);
    }

    @Override
    public void onChunk(Chunk chunk) {
      raw.add(chunk);
      chunks.add(json(chunk.data()));
    }

    @Override
    public void onComplete() {
      completed = true;
    }

    @Override
    public void onError(GatewayError e) {
      error = e;
    }

    List<JsonNode> deltas() {
      List<JsonNode> out = new ArrayList<>();
      for (ObjectNode c : chunks) {
        if (!c.get("choices").isEmpty()) out.add(c.at("/choices/0/delta"));
      }
      return out;
    }

    String arguments(int toolIndex) {
      StringBuilder sb = new StringBuilder();
      for (JsonNode d : deltas()) {
        for (JsonNode call : d.path("tool_calls")) {
          if (call.get("index").asInt() == toolIndex) sb.append(call.at("/function/arguments").asText());
        }
      }
      return sb.toString();
    }
  }
}
