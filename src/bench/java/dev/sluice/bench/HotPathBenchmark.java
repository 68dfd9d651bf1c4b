package dev.sluice.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.api.RequestValidator;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.provider.openai.OpenAiCodec;
import dev.sluice.route.Catalog;
import dev.sluice.route.RoutePlan;
import dev.sluice.route.Router;
import dev.sluice.stream.Chunk;
import dev.sluice.stream.SseParser;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The pieces every request goes through: decoding and checking the client's JSON, writing the
 * upstream body, reading the upstream answer, SSE parsing and framing, and choosing a deployment.
 *
 * <pre>bench/jmh.sh HotPathBenchmark</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
public class HotPathBenchmark {
  static final String REQUEST = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
      + "{\"role\":\"user\",\"content\":\"Say hello in one short sentence.\"}],\"max_tokens\":32,\"temperature\":0}";
  static final String RESPONSE = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"gpt-4o-mini\","
      + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello! How can I help you today?\",\"refusal\":null},"
      + "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":24,\"completion_tokens\":9,\"total_tokens\":33,"
      + "\"prompt_tokens_details\":{\"cached_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0}},\"system_fingerprint\":\"fp_bench\"}";

  byte[] requestBytes;
  ObjectNode request;
  Buffer response;
  byte[] stream;
  GatewayConfig config;
  Catalog catalog;
  GatewayConfig.ModelConfig model;
  SplittableRandom random;

  @Setup
  public void setup() throws Exception {
    requestBytes = REQUEST.getBytes(StandardCharsets.UTF_8);
    request = (ObjectNode) Json.MAPPER.readTree(requestBytes);
    response = Buffer.buffer(RESPONSE);
    StringBuilder sb = new StringBuilder();
    sb.append("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
    for (int i = 0; i < 12; i++) {
      sb.append("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word").append(i).append(" \"},\"finish_reason\":null}]}\n\n");
    }
    sb.append("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
    sb.append("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":24,\"completion_tokens\":12,\"total_tokens\":36}}\n\n");
    sb.append("data: [DONE]\n\n");
    stream = sb.toString().getBytes(StandardCharsets.UTF_8);
    config = new ConfigLoader(Map.<String, String>of()::get).parse("bench", """
        models:
          - name: gpt-4o-mini
            deployments:
              - {id: a, provider: openai, base_url: "http://127.0.0.1:1/v1"}
              - {id: b, provider: openai, base_url: "http://127.0.0.1:2/v1"}
              - {id: c, provider: openai, base_url: "http://127.0.0.1:3/v1", weight: 2}
            fallbacks: [big]
          - name: big
            deployments:
              - {id: d, provider: openai, base_url: "http://127.0.0.1:4/v1"}
        """);
    catalog = Catalog.build(config, (m, d) -> new Object(), null);
    model = config.model("gpt-4o-mini").orElseThrow();
    random = new SplittableRandom(1);
  }

  /** Client JSON bytes to a checked request tree. */
  @Benchmark
  public ObjectNode decodeAndValidateRequest() throws Exception {
    ObjectNode body = (ObjectNode) Json.MAPPER.readTree(requestBytes);
    RequestValidator.chatCompletion(body);
    return body;
  }

  /** The request tree to the upstream body (model renamed, the rest passed through). */
  @Benchmark
  public Buffer encodeUpstreamRequest() {
    return OpenAiCodec.chatRequest(request, null, "llama-3-8b", false);
  }

  /** The upstream's answer checked and passed on as received (what Sluice does). */
  @Benchmark
  public Buffer checkAndPassResponse() {
    return OpenAiCodec.checkChatCompletion(response).bytes();
  }

  /** For comparison: the upstream's answer parsed into a tree and encoded again. */
  @Benchmark
  public byte[] parseAndReencodeResponse() throws Exception {
    return Json.MAPPER.writeValueAsBytes(Json.MAPPER.readTree(response.getBytes()));
  }

  /** A 15-event upstream stream parsed into chunks and framed again for the client. */
  @Benchmark
  public void parseAndFrameStream(Blackhole bh) {
    SseParser parser = new SseParser((event, data) -> {
      if (!data.equals("[DONE]")) {
        Chunk c = Chunk.ofText(data);
        bh.consume(c.hasUsage());
        bh.consume(("data: " + c.data() + "\n\n").getBytes(StandardCharsets.UTF_8));
      }
    });
    parser.feed(stream);
    parser.end();
  }

  /** Choosing among three deployments plus a fallback model (power of two choices). */
  @Benchmark
  public RoutePlan chooseDeployment() {
    return Router.plan(config, catalog, model, "gpt-4o-mini", d -> d.state().outstanding(), random);
  }
}
