package dev.sluice.meter;

import static dev.sluice.meter.UsageTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.GatewayConfig.DeploymentConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import dev.sluice.meter.Cost.Bucket;
import dev.sluice.meter.Cost.Line;
import dev.sluice.provider.anthropic.AnthropicCodec;
import io.vertx.core.buffer.Buffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Golden costs: usage objects in the shapes the OpenAI and Anthropic APIs return (copied from their
 * documentation and from recorded responses), streaming and not, each priced through the whole path
 * (config, {@link PriceResolver}, {@link Usage}, {@link CostCalculator}) and checked to the
 * nano-dollar against arithmetic done by hand in the comment above it.
 *
 * <p>Rates are dollars per million tokens (the shipped table of 2025-09-01), so "n × r" below is
 * n tokens at $r/Mtok, in micro-dollars (µ$); 1 µ$ = 1,000 nanos.
 */
class CostGoldenTest {
  private static final GatewayConfig CONFIG = new ConfigLoader(Map.<String, String>of()::get).parse("golden.yaml", """
      models:
        - {name: gpt-4o, deployments: [{provider: openai}]}
        - {name: gpt-4o-mini, deployments: [{provider: openai}]}
        - {name: gpt-4o-mini-2024-07-18, deployments: [{provider: openai}]}
        - {name: gpt-3.5-turbo-0125, deployments: [{provider: openai}]}
        - {name: o1, deployments: [{provider: openai}]}
        - {name: o4-mini, deployments: [{provider: openai}]}
        - {name: text-embedding-3-small, deployments: [{provider: openai}]}
        - {name: claude-3-7-sonnet-20250219, deployments: [{provider: anthropic}]}
        - {name: claude-sonnet-4-20250514, deployments: [{provider: anthropic}]}
        - {name: claude-4-sonnet-20250514, deployments: [{provider: anthropic}]}
        - {name: claude-3-5-haiku-20241022, deployments: [{provider: anthropic}]}
        - name: gemini-2.5-pro
          deployments: [{provider: openai, base_url: "https://generativelanguage.googleapis.com/v1beta/openai"}]
        - name: gemini-1.5-pro
          deployments: [{provider: openai, base_url: "https://generativelanguage.googleapis.com/v1beta/openai"}]
        - name: gemini-2.5-flash-preview-04-17
          deployments: [{provider: openai, base_url: "https://generativelanguage.googleapis.com/v1beta/openai"}]
        - name: deepseek-chat
          deployments:
            - {id: deepseek, provider: openai, base_url: "https://api.deepseek.com"}
            - {id: proxy, provider: openai, base_url: "http://127.0.0.1:4000/v1"}
        - name: llama-8b
          deployments:
            - {id: vllm, provider: openai, base_url: "http://127.0.0.1:8000/v1", model: meta-llama/Llama-3.1-8B-Instruct}
            - {id: gpu, provider: openai, base_url: "http://10.0.0.5:8000/v1", model: meta-llama/Llama-3.1-8B-Instruct,
               cost_per_hour: 3.99}
        - name: team-gpt
          price: {input_per_mtok: 1.00, cached_input_per_mtok: 0.10, cache_write_per_mtok: 1.25,
                  output_per_mtok: 2.00, batch_discount: 0.5}
          deployments:
            - {id: model-price, provider: openai, model: gpt-4o}
            - {id: own-price, provider: openai, model: gpt-4o, price: {input_per_mtok: 2.00, output_per_mtok: 4.00}}
        - {name: all-minilm-l6-v2, deployments: [{provider: local}]}
      """);
  private static final PriceResolver RESOLVER = PriceResolver.shipped();

  private static Cost cost(String model, String deploymentId, JsonNode bodyOrChunk, boolean batch) {
    ModelConfig m = CONFIG.model(model).orElseThrow();
    DeploymentConfig d = deploymentId == null
        ? m.deployments().getFirst()
        : m.deployments().stream().filter(x -> x.id().equals(deploymentId)).findFirst().orElseThrow();
    Price price = RESOLVER.price(m, d, d.upstreamModelFor(model));
    Usage usage = Usage.fromResponse(bodyOrChunk).orElseThrow(() -> new AssertionError("no usage in " + bodyOrChunk));
    return CostCalculator.cost(usage, price, batch);
  }

  private static Cost cost(String model, JsonNode bodyOrChunk) {
    return cost(model, null, bodyOrChunk, false);
  }

  private static Cost.Priced priced(Cost cost, long expectedNanos) {
    assertThat(cost).isInstanceOf(Cost.Priced.class);
    Cost.Priced p = (Cost.Priced) cost;
    assertThat(p.total().nanos()).as("total in nanos").isEqualTo(expectedNanos);
    long sum = p.lines().stream().mapToLong(l -> l.amount().nanos()).sum();
    assertThat(sum).as("lines add up to the total").isEqualTo(expectedNanos);
    return p;
  }

  private static Line line(Bucket bucket, long tokens, String ratePerMtok, long nanos) {
    return new Line(bucket, tokens, Money.parse(ratePerMtok), Money.ofNanos(nanos));
  }

  /** An Anthropic Messages answer turned into Sluice's OpenAI body, as the Anthropic provider does. */
  private static ObjectNode fromAnthropic(String message) {
    return AnthropicCodec.completion(AnthropicCodec.parseMessage(Buffer.buffer(message)), 1_700_000_000L);
  }

  // ------------------------------------------------------------------ OpenAI, not streaming

  @Test
  void openAiPlainChatCompletion() {
    // gpt-4o-mini-2024-07-18 at 0.15 / 0.60:
    // 8 × 0.15 = 1.2 µ$ (1,200 nanos); 9 × 0.60 = 5.4 µ$ (5,400); total 6,600 nanos.
    Cost c = cost("gpt-4o-mini-2024-07-18", json("""
        {"id": "chatcmpl-XXXXX", "object": "chat.completion", "created": 1753493884,
         "model": "gpt-4o-mini-2024-07-18",
         "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello! How can I assist you today?",
                      "refusal": null, "annotations": []}, "finish_reason": "stop"}],
         "usage": {"prompt_tokens": 8, "completion_tokens": 9, "total_tokens": 17,
                   "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                   "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                                 "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
         "service_tier": "default", "system_fingerprint": "fp_XXXXX"}
        """));
    Cost.Priced p = priced(c, 6_600);
    assertThat(p.lines()).containsExactly(line(Bucket.INPUT, 8, "0.15", 1_200), line(Bucket.OUTPUT, 9, "0.60", 5_400));
    assertThat(p.source()).isEqualTo(Price.Source.TABLE);
  }

  @Test
  void openAiCachedPromptIsASubsetOfThePromptNeverCountedTwice() {
    // gpt-4o at 2.50 input / 1.25 cached / 10.00 output; prompt 2006 of which 1920 cached:
    // (2006 - 1920) = 86 × 2.50 = 215 µ$; 1920 × 1.25 = 2,400 µ$; 300 × 10.00 = 3,000 µ$; total 5,615 µ$.
    // Counting cached tokens twice (2006 × 2.50 + 1920 × 1.25 + 3,000 = 10,415 µ$) is the classic mistake.
    Cost c = cost("gpt-4o", json("""
        {"id": "chatcmpl-abc", "object": "chat.completion", "model": "gpt-4o-2024-08-06",
         "choices": [{"index": 0, "message": {"role": "assistant", "content": "..."}, "finish_reason": "stop"}],
         "usage": {"prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
                   "prompt_tokens_details": {"cached_tokens": 1920},
                   "completion_tokens_details": {"reasoning_tokens": 0, "accepted_prediction_tokens": 0,
                                                 "rejected_prediction_tokens": 0}}}
        """));
    Cost.Priced p = priced(c, 5_615_000);
    assertThat(p.lines()).containsExactly(
        line(Bucket.INPUT, 86, "2.50", 215_000),
        line(Bucket.CACHED_INPUT, 1920, "1.25", 2_400_000),
        line(Bucket.OUTPUT, 300, "10.00", 3_000_000));
  }

  @Test
  void reasoningTokensArePricedAsOutputNotDropped() {
    // o1 at 15 / 60; completion 600 includes 500 reasoning tokens:
    // 400 × 15 = 6,000 µ$; 600 × 60 = 36,000 µ$; total 42,000 µ$ = $0.042.
    // Dropping the reasoning tokens would bill 100 × 60 = 6,000 µ$ of output, $0.012 in all.
    Cost c = cost("o1", json("""
        {"object": "chat.completion", "model": "o1-2024-12-17",
         "choices": [{"index": 0, "message": {"role": "assistant", "content": "..."}, "finish_reason": "stop"}],
         "usage": {"total_tokens": 1000, "prompt_tokens": 400, "completion_tokens": 600,
                   "completion_tokens_details": {"reasoning_tokens": 500}}}
        """));
    Cost.Priced p = priced(c, 42_000_000);
    assertThat(p.lines()).containsExactly(line(Bucket.INPUT, 400, "15", 6_000_000), line(Bucket.OUTPUT, 600, "60", 36_000_000));
  }

  @Test
  void reasoningModelWithMostOfTheOutputSpentThinking() {
    // o4-mini at 1.10 / 4.40; 75 prompt tokens, 1186 completion tokens of which 1024 reasoning:
    // 75 × 1.10 = 82.5 µ$ (82,500 nanos); 1186 × 4.40 = 5,218.4 µ$ (5,218,400); total 5,300,900 nanos.
    Cost c = cost("o4-mini", json("""
        {"object": "chat.completion", "model": "o4-mini-2025-04-16",
         "usage": {"prompt_tokens": 75, "completion_tokens": 1186, "total_tokens": 1261,
                   "prompt_tokens_details": {"cached_tokens": 0},
                   "completion_tokens_details": {"reasoning_tokens": 1024}}}
        """));
    priced(c, 5_300_900);
  }

  @Test
  void aDistinctReasoningPriceGetsItsOwnLine() {
    // gemini-2.5-flash-preview-04-17 through Google's OpenAI-compatible endpoint:
    // input 0.15, output 0.60, reasoning 3.50. 1530 completion tokens, 1200 of them reasoning:
    // 12 × 0.15 = 1.8 µ$ (1,800 nanos); (1530 - 1200) = 330 × 0.60 = 198 µ$; 1200 × 3.50 = 4,200 µ$;
    // total 4,399.8 µ$ = 4,399,800 nanos.
    Cost c = cost("gemini-2.5-flash-preview-04-17", json("""
        {"object": "chat.completion", "model": "gemini-2.5-flash-preview-04-17",
         "usage": {"prompt_tokens": 12, "completion_tokens": 1530, "total_tokens": 1542,
                   "completion_tokens_details": {"reasoning_tokens": 1200}}}
        """));
    Cost.Priced p = priced(c, 4_399_800);
    assertThat(p.lines()).containsExactly(
        line(Bucket.INPUT, 12, "0.15", 1_800),
        line(Bucket.OUTPUT, 330, "0.60", 198_000),
        line(Bucket.REASONING, 1200, "3.50", 4_200_000));
  }

  @Test
  void anEmbeddingsCallPaysForItsInputOnly() {
    // text-embedding-3-small at 0.02: 8 × 0.02 = 0.16 µ$ = 160 nanos.
    Cost c = cost("text-embedding-3-small", json("""
        {"object": "list",
         "data": [{"object": "embedding", "embedding": [0.0023064255, -0.009327292, -0.0028842222], "index": 0}],
         "model": "text-embedding-3-small",
         "usage": {"prompt_tokens": 8, "total_tokens": 8}}
        """));
    Cost.Priced p = priced(c, 160);
    assertThat(p.lines()).containsExactly(line(Bucket.INPUT, 8, "0.02", 160));
  }

  @Test
  void aCompletionWithNoOutputPaysForItsPrompt() {
    // gpt-4o-mini at 0.15: 1000 × 0.15 = 150 µ$; no output line.
    Cost c = cost("gpt-4o-mini", json("""
        {"object": "chat.completion", "model": "gpt-4o-mini-2024-07-18",
         "choices": [{"index": 0, "message": {"role": "assistant", "content": ""}, "finish_reason": "length"}],
         "usage": {"prompt_tokens": 1000, "completion_tokens": 0, "total_tokens": 1000,
                   "prompt_tokens_details": {"cached_tokens": 0},
                   "completion_tokens_details": {"reasoning_tokens": 0}}}
        """));
    Cost.Priced p = priced(c, 150_000);
    assertThat(p.lines()).containsExactly(line(Bucket.INPUT, 1000, "0.15", 150_000));
  }

  @Test
  void aSubNanoAmountRoundsHalfToEven() {
    // gemini-2.5-pro at 1.25 input / 0.3125 cached / 10 output (base tier):
    // (1203 - 1025) = 178 × 1.25 = 222.5 µ$ (222,500 nanos);
    // 1025 × 0.3125 = 320.3125 µ$ = 320,312.5 nanos -> 320,312 (the tie goes to the even neighbour);
    // 57 × 10 = 570 µ$ (570,000); total 1,112,812 nanos.
    Cost c = cost("gemini-2.5-pro", json("""
        {"object": "chat.completion", "model": "gemini-2.5-pro",
         "usage": {"prompt_tokens": 1203, "completion_tokens": 57, "total_tokens": 1260,
                   "prompt_tokens_details": {"cached_tokens": 1025}}}
        """));
    Cost.Priced p = priced(c, 1_112_812);
    assertThat(p.lines()).contains(line(Bucket.CACHED_INPUT, 1025, "0.3125", 320_312));
  }

  // ------------------------------------------------------------------ OpenAI, streaming

  @Test
  void openAiStreamFinalUsageChunk() {
    // A recorded gpt-3.5-turbo-0125 stream's last chunk (stream_options.include_usage), at 0.50 / 1.50:
    // 10 × 0.50 = 5 µ$; 5 × 1.50 = 7.5 µ$; total 12.5 µ$ = 12,500 nanos.
    Cost c = cost("gpt-3.5-turbo-0125", json("""
        {"id": "chatcmpl-CVFjOTBIgA3kuQLnIXXxtg7Ge7hbs", "object": "chat.completion.chunk", "created": 1761564674,
         "model": "gpt-3.5-turbo-0125", "service_tier": "default", "system_fingerprint": null, "choices": [],
         "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15,
                   "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                   "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                                 "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
         "obfuscation": "8618FsxJD2gV"}
        """));
    priced(c, 12_500);
  }

  @Test
  void openAiStreamWithCachedPromptPricesLikeTheWholeAnswer() {
    // The same usage as the non-streaming cached case, arriving in the final chunk: 5,615 µ$.
    Cost c = cost("gpt-4o", json("""
        {"id": "chatcmpl-abc", "object": "chat.completion.chunk", "model": "gpt-4o-2024-08-06", "choices": [],
         "usage": {"prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
                   "prompt_tokens_details": {"cached_tokens": 1920}}}
        """));
    priced(c, 5_615_000);
  }

  @Test
  void aStreamWithoutUsageIsUnknownNotZero() {
    // Chunks of a stream whose client did not ask for include_usage, and the content chunks of one
    // that did ("usage": null until the last chunk): no usage, so no cost can be stated, and
    // certainly not $0.
    assertThat(Usage.fromResponse(json("""
        {"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "gpt-4o-mini",
         "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        """))).isEmpty();
    assertThat(Usage.fromResponse(json("""
        {"id": "chatcmpl-CVFjOTBIgA3kuQLnIXXxtg7Ge7hbs", "object": "chat.completion.chunk",
         "model": "gpt-3.5-turbo-0125", "choices": [{"index": 0, "delta": {}, "logprobs": null, "finish_reason": "stop"}],
         "usage": null, "obfuscation": "a"}
        """))).isEmpty();
  }

  // ------------------------------------------------------------------ Anthropic, through Sluice's mapping

  @Test
  void anthropicPlainMessage() {
    // claude-3-7-sonnet-20250219 at 3 / 15: 10 × 3 = 30 µ$; 41 × 15 = 615 µ$; total 645 µ$.
    Cost c = cost("claude-3-7-sonnet-20250219", fromAnthropic("""
        {"id": "msg_0123ABC", "type": "message", "role": "assistant", "model": "claude-3-7-sonnet-20250219",
         "content": [{"type": "text", "text": "Hello there! How can I assist you today?"}],
         "stop_reason": "end_turn", "stop_sequence": null,
         "usage": {"input_tokens": 10, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                   "output_tokens": 41}}
        """));
    priced(c, 645_000);
  }

  @Test
  void anthropicCacheWriteIsItsOwnBucket() {
    // claude-sonnet-4-20250514 at 3 input / 3.75 cache write / 15 output (the prompt-caching guide's
    // first call on a book): 21 × 3 = 63 µ$; 188,086 × 3.75 = 705,322.5 µ$; 393 × 15 = 5,895 µ$;
    // total 711,280.5 µ$ = 711,280,500 nanos.
    Cost c = cost("claude-sonnet-4-20250514", fromAnthropic("""
        {"id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
         "content": [{"type": "text", "text": "The major themes..."}], "stop_reason": "end_turn",
         "usage": {"input_tokens": 21, "cache_creation_input_tokens": 188086, "cache_read_input_tokens": 0,
                   "output_tokens": 393}}
        """));
    Cost.Priced p = priced(c, 711_280_500);
    assertThat(p.lines()).containsExactly(
        line(Bucket.INPUT, 21, "3", 63_000),
        line(Bucket.CACHE_WRITE, 188_086, "3.75", 705_322_500),
        line(Bucket.OUTPUT, 393, "15", 5_895_000));
    // 188,107 prompt tokens is under 200k: claude-sonnet-4-20250514 has no long-context tier anyway.
    assertThat(p.tierAboveTokens()).isZero();
  }

  @Test
  void anthropicCacheReadIsItsOwnBucket() {
    // The guide's second call, served from the cache: 21 × 3 = 63 µ$; 188,086 × 0.30 = 56,425.8 µ$;
    // 393 × 15 = 5,895 µ$; total 62,383.8 µ$ = 62,383,800 nanos.
    Cost c = cost("claude-sonnet-4-20250514", fromAnthropic("""
        {"id": "msg_02", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514",
         "content": [{"type": "text", "text": "The major themes..."}], "stop_reason": "end_turn",
         "usage": {"input_tokens": 21, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 188086,
                   "output_tokens": 393}}
        """));
    Cost.Priced p = priced(c, 62_383_800);
    assertThat(p.lines()).contains(line(Bucket.CACHED_INPUT, 188_086, "0.30", 56_425_800));
  }

  @Test
  void anthropicStreamUsageFromMessageStartAndMessageDelta() {
    // message_start: {"input_tokens": 25, "output_tokens": 1, cache 0/0}; message_delta: {"output_tokens": 15}.
    // Sluice's final chunk carries AnthropicCodec.usage(25, 15, 0, 0). At 3 / 15:
    // 25 × 3 = 75 µ$; 15 × 15 = 225 µ$; total 300 µ$.
    ObjectNode chunk = json("""
        {"id": "msg_01", "object": "chat.completion.chunk", "created": 1700000000,
         "model": "claude-sonnet-4-20250514", "choices": []}
        """).deepCopy();
    chunk.set("usage", AnthropicCodec.usage(25, 15, 0, 0));
    priced(cost("claude-sonnet-4-20250514", chunk), 300_000);
  }

  @Test
  void anthropicStreamWithCacheReadAndWriteTogether() {
    // message_start usage {"input_tokens": 50, "cache_creation_input_tokens": 1500,
    // "cache_read_input_tokens": 12000, "output_tokens": 1}, message_delta {"output_tokens": 640}.
    // claude-3-5-haiku-20241022 at 0.80 input / 0.08 read / 1.00 write / 4 output:
    // 50 × 0.80 = 40 µ$; 12,000 × 0.08 = 960 µ$; 1,500 × 1.00 = 1,500 µ$; 640 × 4 = 2,560 µ$;
    // total 5,060 µ$ = 5,060,000 nanos.
    ObjectNode chunk = json("{\"object\": \"chat.completion.chunk\", \"choices\": []}").deepCopy();
    chunk.set("usage", AnthropicCodec.usage(50, 640, 12_000, 1_500));
    Cost.Priced p = priced(cost("claude-3-5-haiku-20241022", chunk), 5_060_000);
    assertThat(p.lines()).extracting(Line::bucket)
        .containsExactly(Bucket.INPUT, Bucket.CACHED_INPUT, Bucket.CACHE_WRITE, Bucket.OUTPUT);
  }

  // ------------------------------------------------------------------ long-context tiers

  @Test
  void aPromptAbove200kPricesTheWholeRequestAtTheTier() {
    // claude-4-sonnet-20250514: prompt = 50,000 + 150,000 read + 5,000 write = 205,000 > 200,000, so
    // every bucket at the >200k rates (6 input / 0.60 read / 7.50 write / 22.50 output):
    // 50,000 × 6 = 300,000 µ$; 150,000 × 0.60 = 90,000 µ$; 5,000 × 7.50 = 37,500 µ$;
    // 2,000 × 22.50 = 45,000 µ$; total 472,500 µ$ = $0.4725.
    ObjectNode chunk = json("{\"object\": \"chat.completion\", \"choices\": []}").deepCopy();
    chunk.set("usage", AnthropicCodec.usage(50_000, 2_000, 150_000, 5_000));
    Cost.Priced p = priced(cost("claude-4-sonnet-20250514", chunk), 472_500_000);
    assertThat(p.tierAboveTokens()).isEqualTo(200_000);

    // At exactly 200,000 prompt tokens the base rates (3 / 0.30 / 3.75 / 15) still apply:
    // 45,000 × 3 = 135,000 µ$; 150,000 × 0.30 = 45,000 µ$; 5,000 × 3.75 = 18,750 µ$;
    // 2,000 × 15 = 30,000 µ$; total 228,750 µ$.
    chunk.set("usage", AnthropicCodec.usage(45_000, 2_000, 150_000, 5_000));
    assertThat(priced(cost("claude-4-sonnet-20250514", chunk), 228_750_000).tierAboveTokens()).isZero();
  }

  @Test
  void geminiAbove200kScalesTheCachePriceWithTheInputPrice() {
    // gemini-2.5-pro above 200k: 2.50 input, 15 output, and cache reads at 0.3125 × (2.50 / 1.25) = 0.625:
    // (250,000 - 100,000) = 150,000 × 2.50 = 375,000 µ$; 100,000 × 0.625 = 62,500 µ$;
    // 4,000 × 15 = 60,000 µ$; total 497,500 µ$.
    Cost c = cost("gemini-2.5-pro", json("""
        {"object": "chat.completion", "model": "gemini-2.5-pro",
         "usage": {"prompt_tokens": 250000, "completion_tokens": 4000, "total_tokens": 254000,
                   "prompt_tokens_details": {"cached_tokens": 100000}}}
        """));
    assertThat(priced(c, 497_500_000).tierAboveTokens()).isEqualTo(200_000);
  }

  @Test
  void geminiAbove128k() {
    // gemini-1.5-pro above 128k: 7 input / 21 output: 130,000 × 7 = 910,000 µ$; 1,000 × 21 = 21,000 µ$;
    // total 931,000 µ$.
    Cost c = cost("gemini-1.5-pro", json("""
        {"object": "chat.completion", "usage": {"prompt_tokens": 130000, "completion_tokens": 1000, "total_tokens": 131000}}
        """));
    assertThat(priced(c, 931_000_000).tierAboveTokens()).isEqualTo(128_000);
  }

  // ------------------------------------------------------------------ batch

  @Test
  void theBatchPriceFromTheTable() {
    // gpt-4o batch at 1.25 / 5.00: 1,000 × 1.25 = 1,250 µ$; 500 × 5 = 2,500 µ$; total 3,750 µ$.
    JsonNode body = json("""
        {"id": "chatcmpl-batch", "object": "chat.completion", "model": "gpt-4o-2024-08-06",
         "usage": {"prompt_tokens": 1000, "completion_tokens": 500, "total_tokens": 1500,
                   "prompt_tokens_details": {"cached_tokens": 0}}}
        """);
    Cost.Priced p = priced(cost("gpt-4o", null, body, true), 3_750_000);
    assertThat(p.batch()).isTrue();
    // Not a batch: 1,000 × 2.50 + 500 × 10 = 7,500 µ$.
    assertThat(priced(cost("gpt-4o", null, body, false), 7_500_000).batch()).isFalse();
  }

  @Test
  void theBatchDiscountFromTheConfig() {
    // team-gpt's price (1.00 input / 0.10 cached / 2.00 output) with batch_discount 0.5:
    // 2,000 × 0.50 = 1,000 µ$; 1,000 × 1.00 = 1,000 µ$; total 2,000 µ$.
    Cost c = cost("team-gpt", "model-price", json("""
        {"object": "chat.completion", "usage": {"prompt_tokens": 2000, "completion_tokens": 1000, "total_tokens": 3000}}
        """), true);
    assertThat(priced(c, 2_000_000).batch()).isTrue();
  }

  @Test
  void aBatchRequestOnAModelWithoutABatchPricePaysFullPrice() {
    // claude-3-7-sonnet has no batch price in the table: 10 × 3 + 41 × 15 = 645 µ$, batch false.
    Cost c = cost("claude-3-7-sonnet-20250219", null, fromAnthropic("""
        {"id": "msg_0123ABC", "type": "message", "role": "assistant", "content": [],
         "usage": {"input_tokens": 10, "output_tokens": 41}}
        """), true);
    assertThat(priced(c, 645_000).batch()).isFalse();
  }

  // ------------------------------------------------------------------ DeepSeek

  @Test
  void deepSeekCacheHitsWithTheOlderCacheHitPriceField() {
    // Behind a proxy the host says nothing, so the bare "deepseek-chat" entry applies: 0.14 input,
    // 0.014 cache hit (input_cost_per_token_cache_hit, its only cache price), 0.28 output.
    // 200 × 0.14 = 28 µ$; 800 × 0.014 = 11.2 µ$; 100 × 0.28 = 28 µ$; total 67.2 µ$ = 67,200 nanos.
    JsonNode body = json("""
        {"id": "930c60df-bf64-41c9-a88e-3ec75f81e00e", "object": "chat.completion", "model": "deepseek-chat",
         "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100,
                   "prompt_cache_hit_tokens": 800, "prompt_cache_miss_tokens": 200}}
        """);
    Cost.Priced p = priced(cost("deepseek-chat", "proxy", body, false), 67_200);
    assertThat(p.lines()).contains(line(Bucket.CACHED_INPUT, 800, "0.014", 11_200));
  }

  @Test
  void deepSeeksOwnHostGetsDeepSeeksCurrentEntry() {
    // On api.deepseek.com: "deepseek/deepseek-chat" at 0.27 / 0.07 cached / 1.10:
    // 200 × 0.27 = 54 µ$; 800 × 0.07 = 56 µ$; 100 × 1.10 = 110 µ$; total 220 µ$.
    JsonNode body = json("""
        {"object": "chat.completion", "model": "deepseek-chat",
         "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100,
                   "prompt_tokens_details": {"cached_tokens": 800},
                   "prompt_cache_hit_tokens": 800, "prompt_cache_miss_tokens": 200}}
        """);
    priced(cost("deepseek-chat", "deepseek", body, false), 220_000);
  }

  // ------------------------------------------------------------------ unpriced, hourly, precedence

  @Test
  void aSelfHostedModelWithoutAPriceIsUnpricedNotFree() {
    Cost c = cost("llama-8b", "vllm", json("""
        {"object": "chat.completion", "model": "meta-llama/Llama-3.1-8B-Instruct",
         "usage": {"prompt_tokens": 35, "total_tokens": 120, "completion_tokens": 85, "prompt_tokens_details": null}}
        """), false);
    assertThat(c).isEqualTo(new Cost.Unpriced("meta-llama/Llama-3.1-8B-Instruct"));
  }

  @Test
  void aDeploymentPaidByTheHourIsPricedByTime() {
    Cost c = cost("llama-8b", "gpu", json("""
        {"object": "chat.completion", "usage": {"prompt_tokens": 35, "completion_tokens": 85, "total_tokens": 120}}
        """), false);
    assertThat(c).isEqualTo(new Cost.ByTheHour(Money.parse("3.99")));
  }

  @Test
  void theDeploymentPriceBeatsTheModelPriceWhichBeatsTheTable() {
    JsonNode body = json("""
        {"object": "chat.completion", "model": "gpt-4o-2024-08-06",
         "usage": {"prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
                   "prompt_tokens_details": {"cached_tokens": 1920}}}
        """);
    // Model price 1.00 / 0.10 cached / 2.00: 86 × 1.00 = 86 µ$; 1,920 × 0.10 = 192 µ$; 300 × 2.00 = 600 µ$;
    // total 878 µ$.
    Cost.Priced model = priced(cost("team-gpt", "model-price", body, false), 878_000);
    assertThat(model.source()).isEqualTo(Price.Source.MODEL);
    // Deployment price 2.00 / 4.00, cached defaulting to input: 86 × 2 = 172 µ$; 1,920 × 2 = 3,840 µ$;
    // 300 × 4 = 1,200 µ$; total 5,212 µ$.
    Cost.Priced deployment = priced(cost("team-gpt", "own-price", body, false), 5_212_000);
    assertThat(deployment.source()).isEqualTo(Price.Source.DEPLOYMENT);
    // The same upstream model with no price in the config: the table's gpt-4o, 5,615 µ$.
    assertThat(priced(cost("gpt-4o", body), 5_615_000).source()).isEqualTo(Price.Source.TABLE);
  }

  @Test
  void theInProcessModelIsFreeAndSaysSo() {
    Cost c = cost("all-minilm-l6-v2", json("""
        {"object": "list", "model": "all-minilm-l6-v2", "usage": {"prompt_tokens": 12, "total_tokens": 12}}
        """));
    assertThat(priced(c, 0).source()).isEqualTo(Price.Source.IN_PROCESS);
  }
}
