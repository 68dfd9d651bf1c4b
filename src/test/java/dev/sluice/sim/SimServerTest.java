package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.sim.content.PromptTokens;
import dev.sluice.sim.content.Tokenizer;
import dev.sluice.sim.profile.ProfileLoader;
import dev.sluice.sim.server.SimOptions;
import dev.sluice.sim.server.SimServer;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The emulator as an OpenAI-compatible server, called over HTTP like any client would. */
class SimServerTest {
  static final String MODEL = "meta-llama/Meta-Llama-3-8B-Instruct";
  static SimServer sim;
  static SimHttp http;

  @BeforeAll
  static void start() {
    sim = SimServer.start(ProfileLoader.load("h100-vllm-llama3-8b"), SimOptions.defaults().withSpeedup(200));
    http = new SimHttp(sim.port());
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  @Test
  void aChatCompletionHasExactUsageAndTheSameRequestGetsTheSameAnswer() {
    ObjectNode body = SimHttp.chat(MODEL, "Tell me about queues.");
    SimHttp.Response a = http.post("/v1/chat/completions", body.toString());
    SimHttp.Response b = http.post("/v1/chat/completions", body.toString());
    assertThat(a.status()).isEqualTo(200);
    JsonNode j = a.json();
    assertThat(j.path("object").asText()).isEqualTo("chat.completion");
    assertThat(j.path("model").asText()).isEqualTo(MODEL);
    String content = j.at("/choices/0/message/content").asText();
    assertThat(content).isNotBlank().isEqualTo(b.json().at("/choices/0/message/content").asText());
    assertThat(j.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(j.at("/usage/prompt_tokens").asInt()).isEqualTo(PromptTokens.chat(body.get("messages"), null).length);
    assertThat(j.at("/usage/completion_tokens").asInt()).isEqualTo(Tokenizer.encode(content).length);
    assertThat(j.at("/usage/total_tokens").asInt()).isEqualTo(j.at("/usage/prompt_tokens").asInt() + j.at("/usage/completion_tokens").asInt());
  }

  @Test
  void aStreamCarriesOneChunkPerTokenAndUsageWhenAsked() {
    ObjectNode body = SimHttp.chat(MODEL, "Stream please.");
    String whole = http.post("/v1/chat/completions", body.toString()).json().at("/choices/0/message/content").asText();
    body.put("stream", true);
    body.putObject("stream_options").put("include_usage", true);
    SimHttp.Response r = http.post("/v1/chat/completions", body.toString());
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("content-type")).startsWith("text/event-stream");
    List<String> events = r.events();
    assertThat(events.getLast()).isEqualTo("[DONE]");
    List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(SimServerTest::json).toList();
    assertThat(chunks.getFirst().at("/choices/0/delta/role").asText()).isEqualTo("assistant");
    StringBuilder text = new StringBuilder();
    int contentChunks = 0;
    for (JsonNode c : chunks) {
      JsonNode delta = c.at("/choices/0/delta/content");
      if (!delta.isMissingNode() && c.at("/choices/0/delta/role").isMissingNode()) {
        text.append(delta.asText());
        contentChunks++;
      }
    }
    JsonNode usage = chunks.getLast().get("usage");
    assertThat(chunks.getLast().get("choices")).isEmpty();
    assertThat(contentChunks).isEqualTo(usage.get("completion_tokens").asInt());
    assertThat(text.toString()).isEqualTo(whole);
    assertThat(chunks.get(chunks.size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo("stop");

    body.remove("stream_options");
    List<String> plain = http.post("/v1/chat/completions", body.toString()).events();
    assertThat(plain).noneMatch(e -> e.contains("\"usage\""));
  }

  @Test
  void maxCompletionTokensAndStopAreHonoured() {
    ObjectNode body = SimHttp.chat(MODEL, "Be long.");
    body.put("max_completion_tokens", 7);
    JsonNode j = http.post("/v1/chat/completions", body.toString()).json();
    assertThat(j.at("/usage/completion_tokens").asInt()).isEqualTo(7);
    assertThat(j.at("/choices/0/finish_reason").asText()).isEqualTo("length");
    String content = j.at("/choices/0/message/content").asText();
    String stop = content.substring(content.length() - 4);
    body.remove("max_completion_tokens");
    body.put("stop", stop);
    JsonNode s = http.post("/v1/chat/completions", body.toString()).json();
    assertThat(s.at("/choices/0/message/content").asText()).isEqualTo(content.substring(0, content.indexOf(stop)));
    assertThat(s.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
  }

  @Test
  void completionsEmbeddingsAndModelsAreServed() {
    JsonNode c = http.post("/v1/completions", "{\"model\":\"" + MODEL + "\",\"prompt\":\"Once upon a time\",\"max_tokens\":5}").json();
    assertThat(c.path("object").asText()).isEqualTo("text_completion");
    assertThat(c.at("/usage/completion_tokens").asInt()).isEqualTo(5);
    assertThat(c.at("/choices/0/text").asText()).isNotEmpty();

    JsonNode e = http.post("/v1/embeddings", "{\"model\":\"" + MODEL + "\",\"input\":[\"a cat\",\"a dog\"],\"dimensions\":16}").json();
    assertThat(e.get("data")).hasSize(2);
    JsonNode v = e.at("/data/0/embedding");
    assertThat(v).hasSize(16);
    double norm = 0;
    for (JsonNode x : v) norm += x.asDouble() * x.asDouble();
    assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
    assertThat(e.at("/usage/prompt_tokens").asInt()).isEqualTo(Tokenizer.count("a cat") + Tokenizer.count("a dog"));
    JsonNode again = http.post("/v1/embeddings", "{\"model\":\"" + MODEL + "\",\"input\":\"a cat\",\"dimensions\":16}").json();
    assertThat(again.at("/data/0/embedding")).isEqualTo(v);

    JsonNode models = http.get("/v1/models").json();
    assertThat(models.at("/data/0/id").asText()).isEqualTo(MODEL);
    assertThat(models.at("/data/0/max_model_len").asInt()).isEqualTo(8192);
    assertThat(http.get("/v1/models/" + "h100-vllm-llama3-8b").status()).isEqualTo(200);
  }

  @Test
  void aSharedPromptPrefixIsServedFromTheCacheAndShowsInUsageAndMetrics() {
    String system = "You are a careful assistant. ".repeat(200);
    ObjectNode first = SimHttp.chat(MODEL, "first question");
    ((ArrayNode) first.get("messages")).insertObject(0).put("role", "system").put("content", system);
    ObjectNode second = SimHttp.chat(MODEL, "another question");
    ((ArrayNode) second.get("messages")).insertObject(0).put("role", "system").put("content", system);
    JsonNode a = http.post("/v1/chat/completions", first.toString()).json();
    JsonNode b = http.post("/v1/chat/completions", second.toString()).json();
    assertThat(a.at("/usage/prompt_tokens_details/cached_tokens").asInt()).isZero();
    int cached = b.at("/usage/prompt_tokens_details/cached_tokens").asInt();
    assertThat(cached).isGreaterThan(1000).isLessThan(b.at("/usage/prompt_tokens").asInt());
    assertThat(cached % 16).isZero();
    assertThat(sim.stats().prefixHitTokens()).isGreaterThanOrEqualTo(cached);
  }

  @Test
  void metricsUseVllmNames() {
    http.post("/v1/chat/completions", SimHttp.chat(MODEL, "count me").toString());
    String metrics = http.get("/metrics").body();
    for (String name : List.of("vllm:num_requests_running{", "vllm:num_requests_waiting{", "vllm:gpu_cache_usage_perc{",
        "vllm:kv_cache_usage_perc{", "vllm:gpu_prefix_cache_hit_rate{", "vllm:prefix_cache_hits_total{",
        "vllm:time_to_first_token_seconds_bucket{le=\"0.1\"", "vllm:time_per_output_token_seconds_count{",
        "vllm:e2e_request_latency_seconds_sum{", "vllm:request_success_total{finished_reason=\"stop\"",
        "vllm:num_preemptions_total{", "sluice_sim_cost_usd_total{")) {
      assertThat(metrics).contains(name);
    }
    assertThat(metrics).contains("model_name=\"" + MODEL + "\"");
    assertThat(sim.metricsText()).contains("# TYPE vllm:time_to_first_token_seconds histogram");
  }

  @Test
  void badRequestsGetOpenAiErrors() {
    assertError(http.post("/v1/chat/completions", "{not json"), 400, "invalid_request_error", null, "invalid_json");
    assertError(http.post("/v1/chat/completions", "{\"model\":\"" + MODEL + "\"}"), 400, "invalid_request_error", "messages", null);
    assertError(http.post("/v1/chat/completions", SimHttp.chat("gpt-9", "hi").toString()), 404, "invalid_request_error", "model", "model_not_found");
    ObjectNode tooLong = SimHttp.chat(MODEL, "hi");
    tooLong.put("max_tokens", 9000);
    assertError(http.post("/v1/chat/completions", tooLong.toString()), 400, "invalid_request_error", "messages", "context_length_exceeded");
    ObjectNode two = SimHttp.chat(MODEL, "hi");
    two.put("n", 2);
    assertError(http.post("/v1/chat/completions", two.toString()), 400, "invalid_request_error", "n", null);
    assertError(http.post("/v1/chat/completions", SimHttp.chat(MODEL, "hi").toString(), "X-Sluice-Sim-Fault", "explode"),
        400, "invalid_request_error", null, "invalid_fault");
    assertError(http.post("/v1/chat/completions", SimHttp.chat(MODEL, "hi").toString(), "X-Sluice-Sim-Tools", "call:"),
        400, "invalid_request_error", null, "invalid_tool_script");
    assertError(http.get("/v1/chat/completions"), 405, "invalid_request_error", null, "method_not_allowed");
    assertError(http.get("/v2/nothing"), 404, "invalid_request_error", null, "unknown_url");
  }

  private static void assertError(SimHttp.Response r, int status, String type, String param, String code) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    JsonNode e = r.json().get("error");
    assertThat(e.get("message").asText()).isNotBlank();
    assertThat(e.get("type").asText()).isEqualTo(type);
    assertThat(e.has("param") && e.has("code")).isTrue();
    if (param != null) assertThat(e.get("param").asText()).isEqualTo(param);
    if (code != null) assertThat(e.get("code").asText()).isEqualTo(code);
  }

  @Test
  void faultsAskedForByHeaderHappen() {
    String body = SimHttp.chat(MODEL, "fault me").toString();
    assertThat(http.post("/v1/chat/completions", body, "X-Sluice-Sim-Fault", "500").status()).isEqualTo(500);
    assertThat(http.post("/v1/chat/completions", body, "X-Sluice-Sim-Fault", "502").status()).isEqualTo(502);
    SimHttp.Response limited = http.post("/v1/chat/completions", body, "X-Sluice-Sim-Fault", "429:4");
    assertThat(limited.status()).isEqualTo(429);
    // 4 emulated seconds at speedup 200 are 20 wall milliseconds.
    assertThat(limited.header("retry-after-ms")).isEqualTo("20");
    assertThat(limited.header("retry-after")).isEqualTo("1");
    assertThat(limited.json().at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
    SimHttp.Response outage = http.post("/v1/chat/completions", body, "X-Sluice-Sim-Fault", "outage:10");
    assertThat(outage.status()).isEqualTo(503);

    SimHttp.Response malformed = http.post("/v1/chat/completions", body, "X-Sluice-Sim-Fault", "malformed");
    assertThat(malformed.status()).isEqualTo(200);
    assertThatThrownBy(malformed::json).isInstanceOf(UncheckedIOException.class);

    assertThatThrownBy(() -> http.post("/v1/chat/completions", body, Duration.ofMillis(300), "X-Sluice-Sim-Fault", "hang"))
        .hasRootCauseInstanceOf(java.net.http.HttpTimeoutException.class);

    ObjectNode streamed = SimHttp.chat(MODEL, "fault me");
    streamed.put("stream", true);
    streamed.put("max_tokens", 50);
    streamed.put("ignore_eos", true);
    try {
      SimHttp.Response reset = http.post("/v1/chat/completions", streamed.toString(), "X-Sluice-Sim-Fault", "reset:3");
      assertThat(reset.body()).doesNotContain("[DONE]");
    } catch (UncheckedIOException expected) {
      // The connection closed before the stream ended: what a client of a crashed server sees.
    }
    SimHttp.Response slow = http.post("/v1/chat/completions", streamed.toString(), "X-Sluice-Sim-Fault", "slow:20ms");
    assertThat(slow.events()).hasSize(1 + 50 + 1 + 1);
    assertThat(http.get("/metrics").body()).contains("sluice_sim_faults_injected_total{fault=\"http_500\"");
  }

  @Test
  void aToolScriptEmulatesAnAgentStuckInALoop() {
    ObjectNode body = SimHttp.chat(MODEL, "What's the weather?");
    ArrayNode tools = body.putArray("tools");
    ObjectNode fn = tools.addObject().put("type", "function").putObject("function");
    fn.put("name", "get_weather");
    fn.putObject("parameters").put("type", "object").putObject("properties").putObject("city").put("type", "string");
    ArrayNode messages = (ArrayNode) body.get("messages");
    for (int turn = 0; turn < 5; turn++) {
      SimHttp.Response r = http.post("/v1/chat/completions", body.toString(), "X-Sluice-Sim-Tools", "call:get_weather{\"city\":\"Oslo\"}*");
      JsonNode message = r.json().at("/choices/0/message");
      assertThat(r.json().at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
      JsonNode call = message.at("/tool_calls/0");
      assertThat(call.at("/function/name").asText()).isEqualTo("get_weather");
      assertThat(call.at("/function/arguments").asText()).isEqualTo("{\"city\":\"Oslo\"}");
      messages.add(message);
      messages.addObject().put("role", "tool").put("tool_call_id", call.get("id").asText()).put("content", "rainy");
    }
    // The same script in the request's metadata; without '*' the agent answers after its one tool turn.
    body.putObject("metadata").put("sluice_sim_tools", "call:get_weather");
    JsonNode done = http.post("/v1/chat/completions", body.toString()).json();
    assertThat(done.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(done.at("/choices/0/message/content").asText()).isNotBlank();

    ObjectNode fresh = SimHttp.chat(MODEL, "What's the weather?");
    fresh.set("tools", tools);
    fresh.put("stream", true);
    List<String> events = http.post("/v1/chat/completions", fresh.toString()).events();
    StringBuilder args = new StringBuilder();
    for (String e : events.subList(0, events.size() - 1)) {
      JsonNode d = json(e).at("/choices/0/delta/tool_calls/0/function/arguments");
      if (!d.isMissingNode()) args.append(d.asText());
    }
    assertThat(json(args.toString()).get("city").isTextual()).isTrue();
  }

  static JsonNode json(String s) {
    try {
      return Json.MAPPER.readTree(s);
    } catch (java.io.IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
