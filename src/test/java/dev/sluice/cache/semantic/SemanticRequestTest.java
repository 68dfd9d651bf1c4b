package dev.sluice.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** Which part of a chat request the semantic cache compares by meaning, and which must match exactly. */
class SemanticRequestTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static ObjectNode body(String json) throws Exception {
    return (ObjectNode) JSON.readTree(json);
  }

  @Test
  void theLastUserMessageIsTheQuestionAndEverythingElseIsTheContext() throws Exception {
    SemanticRequest r = SemanticRequest.of(body("""
        {"model":"m","temperature":0,"tools":[{"type":"function","function":{"name":"f"}}],
         "messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},
                     {"role":"assistant","content":"Hello"},{"role":"user","content":"What is the capital of France?"}]}
        """)).orElseThrow();

    assertThat(r.question()).isEqualTo("What is the capital of France?");
    assertThat(r.rest().get("messages")).hasSize(3);
    assertThat(r.rest().get("tools")).hasSize(1);
    assertThat(r.rest().get("temperature").asInt()).isZero();
  }

  @Test
  void textPartsAreJoinedIntoOneQuestion() throws Exception {
    SemanticRequest r = SemanticRequest.of(body("""
        {"messages":[{"role":"user","content":[{"type":"text","text":"Summarise:"},{"type":"text","text":"the news"}]}]}
        """)).orElseThrow();

    assertThat(r.question()).isEqualTo("Summarise:\nthe news");
  }

  @Test
  void requestsWithoutATextQuestionFromTheUserAreNotComparedByMeaning() throws Exception {
    assertThat(SemanticRequest.of(body("{\"messages\":[]}"))).isEmpty();
    assertThat(SemanticRequest.of(body("{\"prompt\":\"hi\"}"))).isEmpty();
    assertThat(SemanticRequest.of(body("""
        {"messages":[{"role":"user","content":"Weather?"},{"role":"tool","content":"sunny","tool_call_id":"1"}]}
        """))).isEmpty();
    assertThat(SemanticRequest.of(body("""
        {"messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},
          {"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}
        """))).isEmpty();
    assertThat(SemanticRequest.of(body("{\"messages\":[{\"role\":\"user\",\"content\":\"   \"}]}"))).isEmpty();
  }

  @Test
  void theRequestItselfIsLeftUntouched() throws Exception {
    ObjectNode b = body("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi there\"}]}");
    SemanticRequest.of(b).orElseThrow();

    assertThat(b.get("messages")).hasSize(1);
  }
}
