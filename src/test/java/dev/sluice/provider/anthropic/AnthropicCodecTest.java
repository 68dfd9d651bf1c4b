package dev.sluice.provider.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import dev.sluice.provider.UpstreamException;
import dev.sluice.provider.UpstreamFailure;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Golden translations between OpenAI chat requests and Anthropic Messages, both ways. */
class AnthropicCodecTest {

  // ---------------------------------------------------------------- requests

  @Test
  void aSimpleChatGetsTheUpstreamModelAndTheDefaultMaxTokens() {
    assertThat(request("""
        {"model":"chat-large","messages":[{"role":"user","content":"Hello"}]}
        """)).isEqualTo(json("""
        {"model":"claude-up","max_tokens":4096,
         "messages":[{"role":"user","content":[{"type":"text","text":"Hello"}]}]}
        """));
  }

  @Test
  void systemAndDeveloperMessagesBecomeTheTopLevelSystem() {
    assertThat(request("""
        {"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}]}
        """).get("system")).isEqualTo(json("\"Be brief.\""));

    ObjectNode several = request("""
        {"model":"m","messages":[
          {"role":"system","content":"Be brief."},
          {"role":"user","content":"Hi"},
          {"role":"developer","content":[{"type":"text","text":"Use French.","cache_control":{"type":"ephemeral"}}]}]}
        """);
    assertThat(several.get("system")).isEqualTo(json("""
        [{"type":"text","text":"Be brief."},
         {"type":"text","text":"Use French.","cache_control":{"type":"ephemeral"}}]
        """));
    assertThat(several.get("messages")).isEqualTo(json("""
        [{"role":"user","content":[{"type":"text","text":"Hi"}]}]
        """));
  }

  @Test
  void aMultiTurnConversationAlternatesRolesByMergingConsecutiveTurns() {
    assertThat(request("""
        {"model":"m","messages":[
          {"role":"user","content":"one"},
          {"role":"user","content":[{"type":"text","text":"two"},{"type":"text","text":""}]},
          {"role":"assistant","content":"three"},
          {"role":"assistant","content":[{"type":"text","text":"four"}]},
          {"role":"user","content":"five","name":"ann"}]}
        """).get("messages")).isEqualTo(json("""
        [{"role":"user","content":[{"type":"text","text":"one"},{"type":"text","text":"two"}]},
         {"role":"assistant","content":[{"type":"text","text":"three"},{"type":"text","text":"four"}]},
         {"role":"user","content":[{"type":"text","text":"five"}]}]
        """));
  }

  @Test
  void aFinalAssistantTurnIsAPrefillWithoutTrailingWhitespace() {
    assertThat(request("""
        {"model":"m","messages":[{"role":"user","content":"Count"},{"role":"assistant","content":"1, 2, "}]}
        """).at("/messages/1")).isEqualTo(json("""
        {"role":"assistant","content":[{"type":"text","text":"1, 2,"}]}
        """));
  }

  @Test
  void toolsBecomeNameDescriptionAndInputSchema() {
    assertThat(request("""
        {"model":"m","messages":[{"role":"user","content":"Weather?"}],
         "tools":[
           {"type":"function","function":{"name":"get_weather","description":"Current weather",
             "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]},"strict":true}},
           {"type":"function","function":{"name":"now"},"cache_control":{"type":"ephemeral"}}]}
        """).get("tools")).isEqualTo(json("""
        [{"name":"get_weather","description":"Current weather",
          "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}},
         {"name":"now","input_schema":{"type":"object","properties":{}},"cache_control":{"type":"ephemeral"}}]
        """));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "\"auto\"                                           | true  | {\"type\":\"auto\"}",
      "\"none\"                                           | true  | {\"type\":\"none\"}",
      "\"required\"                                       | true  | {\"type\":\"any\"}",
      "{\"type\":\"function\",\"function\":{\"name\":\"f\"}} | true  | {\"type\":\"tool\",\"name\":\"f\"}",
      "\"required\"                                       | false | {\"type\":\"any\",\"disable_parallel_tool_use\":true}",
      "null                                               | false | {\"type\":\"auto\",\"disable_parallel_tool_use\":true}",
      "\"none\"                                           | false | {\"type\":\"none\"}",
      "null                                               | true  | null",
  })
  void toolChoiceAndParallelToolCallsMapToAnthropicToolChoice(String toolChoice, boolean parallel, String expected) {
    ObjectNode body = json("""
        {"model":"m","messages":[{"role":"user","content":"x"}],
         "tools":[{"type":"function","function":{"name":"f"}}]}
        """);
    if (!toolChoice.equals("null")) body.set("tool_choice", json(toolChoice));
    if (!parallel) body.put("parallel_tool_calls", false);

    JsonNode sent = AnthropicCodec.request(body, "up", false).get("tool_choice");

    assertThat(sent == null ? "null" : sent.toString()).isEqualTo(expected);
  }

  @Test
  void toolChoiceWithoutToolsIsDropped() {
    assertThat(request("""
        {"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"none","parallel_tool_calls":false}
        """).has("tool_choice")).isFalse();
  }

  @Test
  void assistantToolCallsBecomeToolUseAndToolMessagesBecomeToolResultsInOneUserTurn() {
    assertThat(request("""
        {"model":"m","messages":[
          {"role":"user","content":"Weather in Paris and Oslo?"},
          {"role":"assistant","content":"Checking.","tool_calls":[
            {"id":"toolu_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
            {"id":"toolu_2","type":"function","function":{"name":"get_weather","arguments":""}}]},
          {"role":"tool","tool_call_id":"toolu_1","content":"18C"},
          {"role":"tool","tool_call_id":"toolu_2","content":[{"type":"text","text":"9C"}]},
          {"role":"user","content":"And tomorrow?"}]}
        """).get("messages")).isEqualTo(json("""
        [{"role":"user","content":[{"type":"text","text":"Weather in Paris and Oslo?"}]},
         {"role":"assistant","content":[
           {"type":"text","text":"Checking."},
           {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}},
           {"type":"tool_use","id":"toolu_2","name":"get_weather","input":{}}]},
         {"role":"user","content":[
           {"type":"tool_result","tool_use_id":"toolu_1","content":"18C"},
           {"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"9C"}]},
           {"type":"text","text":"And tomorrow?"}]}]
        """));
  }

  @Test
  void toolResultsGoFirstInAUserTurnEvenWhenTheClientSentTextBeforeThem() {
    assertThat(request("""
        {"model":"m","messages":[
          {"role":"assistant","content":null,"tool_calls":[{"id":"t1","type":"function","function":{"name":"f","arguments":"{}"}}]},
          {"role":"user","content":"note"},
          {"role":"tool","tool_call_id":"t1","content":"done"}]}
        """).at("/messages/1/content")).isEqualTo(json("""
        [{"type":"tool_result","tool_use_id":"t1","content":"done"},{"type":"text","text":"note"}]
        """));
  }

  @Test
  void imagesBecomeBase64OrUrlImageBlocks() {
    assertThat(request("""
        {"model":"m","messages":[{"role":"user","content":[
          {"type":"text","text":"What is this?"},
          {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"high"}},
          {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}]}
        """).at("/messages/0/content")).isEqualTo(json("""
        [{"type":"text","text":"What is this?"},
         {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
         {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]
        """));
  }

  @Test
  void samplingStopUserAndStreamMapToTheirAnthropicFields() {
    ObjectNode sent = AnthropicCodec.request(json("""
        {"model":"m","messages":[{"role":"user","content":"x"}],
         "max_tokens":100,"max_completion_tokens":200,"temperature":1.6,"top_p":0.9,"top_k":40,
         "stop":"END","user":"user-42","seed":7,"presence_penalty":0.5,"metadata":{"k":"v"},
         "stream_options":{"include_usage":true}}
        """), "up", true);
    assertThat(normalise(sent)).isEqualTo(json("""
        {"model":"up","max_tokens":200,"temperature":1.0,"top_p":0.9,"top_k":40,
         "stop_sequences":["END"],"metadata":{"user_id":"user-42"},"stream":true,
         "messages":[{"role":"user","content":[{"type":"text","text":"x"}]}]}
        """));

    ObjectNode other = request("""
        {"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":50,"stop":["a","b"],"temperature":0.3}
        """);
    assertThat(other.get("max_tokens").asInt()).isEqualTo(50);
    assertThat(other.get("stop_sequences")).isEqualTo(json("[\"a\",\"b\"]"));
    assertThat(other.get("temperature").asDouble()).isEqualTo(0.3);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "\"n\":2                                       | n",
      "\"logprobs\":true                             | logprobs",
      "\"top_logprobs\":3                            | top_logprobs",
      "\"response_format\":{\"type\":\"json_object\"} | response_format",
      "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\"}} | response_format",
      "\"logit_bias\":{\"50256\":-100}               | logit_bias",
      "\"modalities\":[\"text\",\"audio\"]           | modalities",
      "\"tools\":[{\"type\":\"custom\",\"custom\":{\"name\":\"x\"}}] | tools[0].type",
  })
  void parametersAnthropicCannotHonourAreRefusedNamingTheParameter(String field, String param) {
    ObjectNode body = json("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]," + field + "}");

    assertThatThrownBy(() -> AnthropicCodec.request(body, "up", false))
        .isInstanceOfSatisfying(GatewayException.class, e -> {
          assertThat(e.error()).isInstanceOf(GatewayError.InvalidRequest.class);
          assertThat(((GatewayError.InvalidRequest) e.error()).param()).isEqualTo(param);
          assertThat(e.error().message()).contains(param.replaceAll("\\[.*", ""));
        });
  }

  @Test
  void harmlessDefaultsOfThoseParametersAreAccepted() {
    ObjectNode sent = request("""
        {"model":"m","messages":[{"role":"user","content":"x"}],
         "n":1,"logprobs":false,"response_format":{"type":"text"},"logit_bias":{},"modalities":["text"]}
        """);
    assertThat(sent.get("messages")).hasSize(1);
  }

  @Test
  void unparseableToolCallArgumentsAreRefusedNamingTheParameter() {
    ObjectNode body = json("""
        {"model":"m","messages":[{"role":"user","content":"x"},
          {"role":"assistant","tool_calls":[{"id":"t","type":"function","function":{"name":"f","arguments":"{oops"}}]}]}
        """);
    assertThatThrownBy(() -> AnthropicCodec.request(body, "up", false))
        .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(((GatewayError.InvalidRequest) e.error()).param())
            .isEqualTo("messages[1].tool_calls[0].function.arguments"));
  }

  // ---------------------------------------------------------------- answers

  @Test
  void aTextAnswerBecomesAChatCompletion() {
    ObjectNode answer = AnthropicCodec.completion(json("""
        {"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-20250514",
         "content":[{"type":"text","text":"Hello"},{"type":"text","text":" there"}],
         "stop_reason":"end_turn","stop_sequence":null,
         "usage":{"input_tokens":12,"output_tokens":5}}
        """), 1_700_000_000L);

    assertThat(normalise(answer)).isEqualTo(json("""
        {"id":"msg_01","object":"chat.completion","created":1700000000,"model":"claude-sonnet-4-20250514",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there","refusal":null},
                     "logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,
                  "prompt_tokens_details":{"cached_tokens":0},
                  "cache_read_input_tokens":0,"cache_creation_input_tokens":0}}
        """));
  }

  @Test
  void toolUseBlocksBecomeToolCallsWithJsonStringArguments() {
    ObjectNode answer = AnthropicCodec.completion(json("""
        {"id":"msg_02","type":"message","role":"assistant","model":"claude",
         "content":[
           {"type":"thinking","thinking":"The user wants weather.","signature":"sig"},
           {"type":"text","text":"Let me check."},
           {"type":"tool_use","id":"toolu_A","name":"get_weather","input":{"city":"Paris"}},
           {"type":"tool_use","id":"toolu_B","name":"get_time","input":{}}],
         "stop_reason":"tool_use","usage":{"input_tokens":30,"output_tokens":20}}
        """), 1L);

    assertThat(answer.at("/choices/0/message")).isEqualTo(json("""
        {"role":"assistant","content":"Let me check.","refusal":null,"tool_calls":[
          {"id":"toolu_A","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
          {"id":"toolu_B","type":"function","function":{"name":"get_time","arguments":"{}"}}]}
        """));
    assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
  }

  @Test
  void aToolOnlyAnswerHasNullContent() {
    ObjectNode answer = AnthropicCodec.completion(json("""
        {"id":"m","content":[{"type":"tool_use","id":"t","name":"f","input":{}}],"stop_reason":"tool_use","usage":{}}
        """), 1L);
    assertThat(answer.at("/choices/0/message/content").isNull()).isTrue();
  }

  @Test
  void cacheReadsAndWritesCountAsPromptTokensAndKeepTheirOwnBuckets() {
    ObjectNode answer = AnthropicCodec.completion(json("""
        {"id":"m","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn",
         "usage":{"input_tokens":10,"cache_creation_input_tokens":200,"cache_read_input_tokens":3000,"output_tokens":7}}
        """), 1L);

    assertThat(normalise(answer.get("usage"))).isEqualTo(json("""
        {"prompt_tokens":3210,"completion_tokens":7,"total_tokens":3217,
         "prompt_tokens_details":{"cached_tokens":3000},
         "cache_read_input_tokens":3000,"cache_creation_input_tokens":200}
        """));
  }

  @ParameterizedTest
  @CsvSource({
      "end_turn, stop",
      "stop_sequence, stop",
      "pause_turn, stop",
      "max_tokens, length",
      "model_context_window_exceeded, length",
      "tool_use, tool_calls",
      "refusal, content_filter",
  })
  void stopReasonsMapToFinishReasons(String stopReason, String finishReason) {
    ObjectNode answer = AnthropicCodec.completion(json(
        "{\"id\":\"m\",\"content\":[],\"stop_reason\":\"" + stopReason + "\",\"usage\":{}}"), 1L);
    assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo(finishReason);
  }

  @Test
  void anAnswerWithoutContentIsMalformed() {
    assertThatThrownBy(() -> AnthropicCodec.parseMessage(Buffer.buffer("{\"type\":\"message\"}")))
        .isInstanceOfSatisfying(UpstreamException.class,
            e -> assertThat(e.failure()).isInstanceOf(UpstreamFailure.Malformed.class));
    assertThatThrownBy(() -> AnthropicCodec.parseMessage(Buffer.buffer("{\"content\": [")))
        .isInstanceOf(UpstreamException.class);
  }

  @ParameterizedTest
  @CsvSource({
      "overloaded_error, 529", "rate_limit_error, 429", "api_error, 500", "invalid_request_error, 400",
      "authentication_error, 401", "timeout_error, 504", "something_new, 500",
  })
  void errorTypesMapToTheStatusAnthropicSendsThemWith(String type, int status) {
    assertThat(AnthropicCodec.statusFor(type)).isEqualTo(status);
  }

  // ---------------------------------------------------------------- helpers

  private static ObjectNode request(String openAi) {
    return normalise(AnthropicCodec.request(json(openAi), "claude-up", false));
  }

  /** Re-reads a tree so that numbers compare by value (an int and a long of the same value are equal). */
  static <T extends JsonNode> T normalise(T node) {
    return json(node.toString());
  }

  @SuppressWarnings("unchecked")
  static <T extends JsonNode> T json(String text) {
    try {
      return (T) Json.MAPPER.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
