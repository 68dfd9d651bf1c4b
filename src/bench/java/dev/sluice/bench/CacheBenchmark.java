package dev.sluice.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.api.JsonBody;
import dev.sluice.cache.CacheStage;
import dev.sluice.cache.ResponseCache;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.GatewayConfig;
import dev.sluice.pipeline.Attribution;
import dev.sluice.pipeline.Call;
import dev.sluice.pipeline.Chain;
import dev.sluice.pipeline.Operation;
import dev.sluice.pipeline.Principal;
import dev.sluice.pipeline.Reply;
import dev.sluice.pipeline.RequestTrace;
import dev.sluice.pipeline.Served;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.util.List;
import java.util.Map;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the exact cache adds to a request, side by side with the same request passed straight on:
 * every request here is new (its own question), so each one pays the miss path in full: canonical
 * key of its body, lookup, joining check, and storing the answer (with evictions once the memory
 * bound is reached). {@code passThrough} builds the same request and calls the same chain without
 * the cache stage; the difference between the two is the cache's cost.
 *
 * <pre>bench/jmh.sh CacheBenchmark -f 1 -wi 3 -i 5</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class CacheBenchmark {
  /** A chat request of about 1.3 KB: a system prompt, one earlier turn and a question, at temperature 0. */
  static final String REQUEST = "{\"model\":\"gpt-4o-mini\",\"temperature\":0,\"max_tokens\":256,\"messages\":["
      + "{\"role\":\"system\",\"content\":\"You are the support assistant of an online shop. Answer in two or three "
      + "sentences, politely, and never invent order numbers, prices or delivery dates. If you do not know, say so and "
      + "offer to hand the conversation to a person. Keep a friendly tone and avoid jargon.\"},"
      + "{\"role\":\"user\",\"content\":\"Hello, I ordered a pair of running shoes last week and they have not arrived yet.\"},"
      + "{\"role\":\"assistant\",\"content\":\"I am sorry to hear that. Could you tell me roughly when you placed the order "
      + "and which delivery option you chose, so that I can point you to the right next step?\"},"
      + "{\"role\":\"user\",\"content\":\"QUESTION\"}],"
      + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup_order\",\"description\":\"Find an order\","
      + "\"parameters\":{\"type\":\"object\",\"properties\":{\"email\":{\"type\":\"string\"}},\"required\":[\"email\"]}}}],"
      + "\"user\":\"customer-1234\",\"metadata\":{\"channel\":\"web\"}}";
  static final String RESPONSE = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,"
      + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Thank you! "
      + "Orders with standard delivery take up to seven working days; I can check it if you share your e-mail.\","
      + "\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":190,"
      + "\"completion_tokens\":28,\"total_tokens\":218}}";

  Vertx vertx;
  GatewayConfig config;
  CacheStage stage;
  Chain upstream;
  ObjectNode template;
  MultiMap headers;
  Principal principal;
  long n;

  @Setup
  public void setup() throws Exception {
    vertx = Vertx.vertx();
    config = new ConfigLoader(Map.<String, String>of()::get).parse("bench", """
        models:
          - name: gpt-4o-mini
            cache: {exact: auto, ttl: 1h}
            deployments: [{provider: openai, base_url: "http://127.0.0.1:1/v1"}]
        """);
    stage = new CacheStage(ResponseCache.create(config.cache().memoryBytes()), config, vertx);
    Reply answer = new Reply.Complete(JsonBody.ofBytes(Buffer.buffer(RESPONSE)),
        new Served("gpt-4o-mini", "openai-1", "openai", "default", "gpt-4o-mini", "gpt-4o-mini"));
    upstream = call -> Future.succeededFuture(answer);
    template = (ObjectNode) Json.MAPPER.readTree(REQUEST);
    headers = MultiMap.caseInsensitiveMultiMap();
    principal = new Principal("acme", "key_bench", List.of(), false);
  }

  @TearDown
  public void tearDown() {
    vertx.close();
  }

  /** A request with a question no earlier request asked. */
  Call nextCall() {
    return call("Where is my order number " + (n++) + "?");
  }

  Call call(String question) {
    ObjectNode body = template.deepCopy();
    ((ObjectNode) body.get("messages").get(3)).put("content", question);
    return new Call("req_bench", Operation.CHAT_COMPLETIONS, body, "gpt-4o-mini", false, false, headers, principal,
        Attribution.NONE, new RequestTrace(), config, 0, Long.MAX_VALUE);
  }

  @Benchmark
  public Future<Reply> passThrough() {
    return upstream.proceed(nextCall());
  }

  @Benchmark
  public Future<Reply> exactCacheMiss() {
    return stage.handle(nextCall(), upstream);
  }

  /** For comparison: the same question every time, answered from the cache after the first. */
  @Benchmark
  public Future<Reply> exactCacheHit() {
    n++;
    return stage.handle(call("Where is my order?"), upstream);
  }
}
