package dev.sluice.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.sluice.api.Json;
import dev.sluice.api.JsonBody;
import dev.sluice.provider.UpstreamException;
import dev.sluice.provider.UpstreamFailure;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

class OpenAiCodecTest {

  private static final String USAGE = """
      {"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,\
      "prompt_tokens_details":{"cached_tokens":3,"audio_tokens":null},\
      "completion_tokens_details":{"reasoning_tokens":0,"accepted_prediction_tokens":0},\
      "cost":0.000123,"billed_units":12345678901234,"huge":123456789012345678901234567890,\
      "labels":["a",1,true,false,null,{"x":[]}],"note":"caf\\u00e9","dup":1,"dup":2}""";

  @Test
  void anAnswerIsKeptByteForByteAndItsUsageReadAsTheMapperReadsIt() throws Exception {
    String answer = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
        + "\"message\":{\"role\":\"assistant\",\"content\":\"Hi {there}\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":" + USAGE + ",\"system_fingerprint\":\"fp_1\"}";

    JsonBody body = OpenAiCodec.checkChatCompletion(Buffer.buffer(answer));

    assertThat(body.bytes().toString()).isEqualTo(answer);
    assertThat(body.usage()).isEqualTo(Json.MAPPER.readTree(USAGE));
    assertThat(body.usage().path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(3);
  }

  @Test
  void anAnswerWithoutUsageHasNone() {
    JsonBody body = OpenAiCodec.checkChatCompletion(Buffer.buffer("{\"choices\":[],\"usage\":null}"));

    assertThat(body.usage()).isNull();
  }

  @Test
  void aBrokenUsageObjectIsAMalformedAnswer() {
    UpstreamException e = catchThrowableOfType(UpstreamException.class,
        () -> OpenAiCodec.checkChatCompletion(Buffer.buffer("{\"choices\":[],\"usage\":{\"prompt_tokens\":1,]}")));

    assertThat(e.failure()).isInstanceOf(UpstreamFailure.Malformed.class);
  }

  @Test
  void anAnswerWithoutChoicesOrWithTrailingTextIsMalformed() {
    UpstreamException noChoices = catchThrowableOfType(UpstreamException.class,
        () -> OpenAiCodec.checkChatCompletion(Buffer.buffer("{\"usage\":{\"prompt_tokens\":1}}")));
    UpstreamException trailing = catchThrowableOfType(UpstreamException.class,
        () -> OpenAiCodec.checkChatCompletion(Buffer.buffer("{\"choices\":[]} {}")));

    assertThat(noChoices.failure()).isEqualTo(new UpstreamFailure.Malformed("the answer has no 'choices' array"));
    assertThat(trailing.failure()).isInstanceOf(UpstreamFailure.Malformed.class);
  }

  @Test
  void aRequestTheUpstreamWouldGetUnchangedIsSentAsTheClientsBytes() throws Exception {
    Buffer bytes = Buffer.buffer("{ \"model\": \"llama\", \"messages\": [{\"role\":\"user\",\"content\":\"hi\"}],"
        + " \"x_vendor\": {\"a\": 1.50}, \"stream\": false }");
    ObjectNode client = (ObjectNode) Json.MAPPER.readTree(bytes.getBytes());

    assertThat(OpenAiCodec.chatRequest(client, bytes, "llama", false)).isSameAs(bytes);
    assertThat(OpenAiCodec.embeddingsRequest(client, bytes, "llama")).isSameAs(bytes);
  }

  @Test
  void aRequestIsWrittenAgainWhenItsModelOrStreamingChanges() throws Exception {
    Buffer bytes = Buffer.buffer("{\"model\":\"chat-small\",\"messages\":[],\"stream_options\":{\"include_usage\":true}}");
    ObjectNode client = (ObjectNode) Json.MAPPER.readTree(bytes.getBytes());

    assertThat(Json.MAPPER.readTree(OpenAiCodec.chatRequest(client, bytes, "llama-3-8b", false).getBytes()))
        .as("another upstream name; stream_options dropped from a non-streaming call")
        .isEqualTo(Json.MAPPER.readTree("{\"model\":\"llama-3-8b\",\"messages\":[]}"));
    assertThat(Json.MAPPER.readTree(OpenAiCodec.chatRequest(client, bytes, "chat-small", true).getBytes()))
        .isEqualTo(Json.MAPPER.readTree(
            "{\"model\":\"chat-small\",\"messages\":[],\"stream_options\":{\"include_usage\":true},\"stream\":true}"));
    ObjectNode plain = (ObjectNode) Json.MAPPER.readTree("{\"model\":\"chat-small\",\"messages\":[]}");
    assertThat(OpenAiCodec.chatRequest(plain, null, "chat-small", false).toString())
        .as("without the client's bytes, written").isEqualTo("{\"model\":\"chat-small\",\"messages\":[]}");
  }
}
