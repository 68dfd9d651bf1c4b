package dev.sluice.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import dev.sluice.testing.TestGateway.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The exact response cache, black box: a gateway on a free port in front of a {@link FakeUpstream},
 * called over HTTP with tenant keys. Each test asks its own questions, so the tests share the
 * gateway without sharing cache entries.
 */
class ExactCacheTest {
  static final String ADMIN = "sk-admin-cache-test-0000";
  static final String ACME_ONE = "sk-acme-one-000000000000";
  static final String ACME_TWO = "sk-acme-two-000000000000";
  static final String BETA = "sk-beta-one-000000000000";
  static final String TEAM_ONE = "sk-team-one-000000000000";
  static final String TEAM_TWO = "sk-team-two-000000000000";
  static final String PRICE = "price: {input_per_mtok: 1.00, output_per_mtok: 2.00}";
  static final String CONFIG = """
      admin_key: %s
      cache_join_timeout: 10s
      tenants:
        - name: acme
          keys:
            - {name: one, key: "%s"}
            - {name: two, key: "%s"}
        - name: beta
          keys:
            - {name: one, key: "%s"}
        - name: team
          cache_scope: tenant
          keys:
            - {name: one, key: "%s"}
            - {name: two, key: "%s"}
      models:
        - name: m
          %s
          cache: {exact: auto, ttl: 1h}
          deployments: [{provider: openai, base_url: "${UPSTREAM}", model: ok}]
        - name: uncached
          %s
          deployments: [{provider: openai, base_url: "${UPSTREAM}", model: ok}]
        - name: slow
          %s
          cache: {exact: always}
          deployments: [{provider: openai, base_url: "${UPSTREAM}", model: slow-3000}]
        - name: slow-stream
          %s
          cache: {exact: always}
          deployments: [{provider: openai, base_url: "${UPSTREAM}", model: slow-stream-400}]
        - name: short
          %s
          cache: {exact: always, ttl: 1s}
          deployments: [{provider: openai, base_url: "${UPSTREAM}", model: ok}]
        - name: fails-once
          %s
          cache: {exact: always}
          retry: {max_retries: 0}
          deployments: [{provider: openai, base_url: "${UPSTREAM}", model: slowflaky-1-503-2000}]
        - name: refuses
          %s
          cache: {exact: always}
          retry: {max_retries: 0}
          deployments: [{provider: openai, base_url: "${UPSTREAM}", model: slowflaky-1000000-400-2000}]
      """.formatted(ADMIN, ACME_ONE, ACME_TWO, BETA, TEAM_ONE, TEAM_TWO, PRICE, PRICE, PRICE, PRICE, PRICE, PRICE, PRICE);

  static FakeUpstream upstream;
  static TestGateway gateway;

  @BeforeAll
  static void start() {
    upstream = FakeUpstream.start();
    gateway = TestGateway.start(CONFIG, upstream);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.close();
  }

  // ---------------------------------------------------------------- helpers

  /** A chat body at temperature 0 (reproducible), optionally streamed. */
  static String body(String model, String question, boolean stream) {
    ObjectNode o = (ObjectNode) TestGateway.parse(TestGateway.chatBody(model, question, stream));
    o.put("temperature", 0);
    return o.toString();
  }

  static Response ask(String key, String body, String... headers) {
    List<String> all = new ArrayList<>(List.of("authorization", "Bearer " + key));
    all.addAll(List.of(headers));
    return gateway.post("/v1/chat/completions", body, all.toArray(String[]::new));
  }

  /** How many upstream requests carried this question. */
  static long upstreamCalls(String question) {
    return upstream.requests().stream()
        .filter(r -> r.body().path("messages").toString().contains(question)).count();
  }

  static String content(Response r) {
    return r.json().at("/choices/0/message/content").asText();
  }

  static <T> List<T> concurrently(int n, Supplier<T> call) throws Exception {
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        futures.add(pool.submit(() -> {
          go.await();
          return call.get();
        }));
      }
      go.countDown();
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) out.add(f.get());
      return out;
    }
  }

  // ---------------------------------------------------------------- hits, misses, switches

  @Test
  void aRepeatedReproducibleRequestIsAnsweredFromTheCache() {
    Response first = ask(ACME_ONE, body("m", "what is a sluice?", false));
    Response second = ask(ACME_ONE, body("m", "what is a sluice?", false));

    assertThat(first.status()).isEqualTo(200);
    assertThat(first.header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(second.header("X-Sluice-Cache")).isEqualTo("hit");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(second.header("X-Sluice-Route")).isEqualTo(first.header("X-Sluice-Route"));
    assertThat(upstreamCalls("what is a sluice?")).isEqualTo(1);
  }

  @Test
  void keyOrderWhitespaceAndFieldsThatDoNotChangeTheAnswerShareOneEntry() {
    String a = "{\"model\":\"m\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"canonical?\"}]}";
    String b = "{ \"messages\" : [ {\"content\":\"canonical?\", \"role\":\"user\"} ],\n \"temperature\": 0.0, "
        + "\"model\": \"m\", \"user\": \"someone\", \"metadata\": {\"k\": \"v\"} }";
    assertThat(ask(ACME_ONE, a).header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(ask(ACME_ONE, b).header("X-Sluice-Cache")).isEqualTo("hit");
    String c = "{\"model\":\"m\",\"temperature\":0,\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"canonical?\"}]}";
    assertThat(ask(ACME_ONE, c).header("X-Sluice-Cache")).isEqualTo("miss");
  }

  @Test
  void onlyReproducibleRequestsAreCachedByDefault() {
    String sampled = TestGateway.chatBody("m", "sampled at temperature 1", false);
    assertThat(ask(ACME_ONE, sampled).header("X-Sluice-Cache")).isEqualTo("off");
    assertThat(ask(ACME_ONE, sampled).header("X-Sluice-Cache")).isEqualTo("off");
    assertThat(upstreamCalls("sampled at temperature 1")).isEqualTo(2);

    ObjectNode seeded = (ObjectNode) TestGateway.parse(TestGateway.chatBody("m", "seeded", false));
    seeded.put("seed", 7);
    assertThat(ask(ACME_ONE, seeded.toString()).header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(ask(ACME_ONE, seeded.toString()).header("X-Sluice-Cache")).isEqualTo("hit");
  }

  @Test
  void theRequestHeaderSwitchesTheCacheOnOffOrRefreshesIt() {
    String q = body("uncached", "switch me", false);
    assertThat(ask(ACME_ONE, q).header("X-Sluice-Cache")).isEqualTo("off");
    assertThat(ask(ACME_ONE, q, "X-Sluice-Cache", "on").header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(ask(ACME_ONE, q, "X-Sluice-Cache", "on").header("X-Sluice-Cache")).isEqualTo("hit");
    assertThat(upstreamCalls("switch me")).isEqualTo(2);

    String r = body("m", "refresh me", false);
    assertThat(ask(ACME_ONE, r).header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(ask(ACME_ONE, r, "X-Sluice-Cache", "off").header("X-Sluice-Cache")).isEqualTo("off");
    assertThat(ask(ACME_ONE, r, "X-Sluice-Cache", "refresh").header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(ask(ACME_ONE, r).header("X-Sluice-Cache")).isEqualTo("hit");
    assertThat(upstreamCalls("refresh me")).isEqualTo(3);

    Response bad = ask(ACME_ONE, r, "X-Sluice-Cache", "maybe");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.error().path("code").asText()).isEqualTo("invalid_cache_header");
  }

  @Test
  void anEntryExpiresAfterItsModelsTtl() throws Exception {
    String q = body("short", "short-lived", false);
    assertThat(ask(ACME_ONE, q).header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(ask(ACME_ONE, q).header("X-Sluice-Cache")).isEqualTo("hit");
    Thread.sleep(1_200);
    assertThat(ask(ACME_ONE, q).header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(upstreamCalls("short-lived")).isEqualTo(2);
  }

  // ---------------------------------------------------------------- tenants

  @Test
  void anEntryNeverCrossesTenantsAndStaysWithItsKeyUnlessTheTenantShares() {
    String q = body("m", "whose answer is this?", false);
    assertThat(ask(ACME_ONE, q).header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(ask(BETA, q).header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(ask(ACME_TWO, q).header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(ask(TEAM_ONE, q).header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(ask(TEAM_TWO, q).header("X-Sluice-Cache")).isEqualTo("hit"); // team shares across its keys
    assertThat(ask(ACME_ONE, q).header("X-Sluice-Cache")).isEqualTo("hit");
    assertThat(ask(BETA, q).header("X-Sluice-Cache")).isEqualTo("hit");
    assertThat(upstreamCalls("whose answer is this?")).isEqualTo(4);
  }

  // ---------------------------------------------------------------- streams

  @Test
  void aStreamedAnswerIsReplayedWithTheSameChunksInTheSameOrder() {
    ObjectNode o = (ObjectNode) TestGateway.parse(body("m", "stream this back to me", true));
    o.putObject("stream_options").put("include_usage", true);
    Response first = ask(ACME_ONE, o.toString());
    Response second = ask(ACME_ONE, o.toString());

    assertThat(first.header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(second.header("X-Sluice-Cache")).isEqualTo("hit");
    assertThat(second.header("content-type")).startsWith("text/event-stream");
    assertThat(first.events()).hasSizeGreaterThan(3).last().isEqualTo("[DONE]");
    assertThat(second.events()).isEqualTo(first.events());
    // a whole answer is kept apart from a streamed one
    assertThat(ask(ACME_ONE, body("m", "stream this back to me", false)).header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(upstreamCalls("stream this back to me")).isEqualTo(2);
  }

  // ---------------------------------------------------------------- joining

  @Test
  void aHundredIdenticalConcurrentRequestsReachTheUpstreamOnce() throws Exception {
    String q = body("slow", "one hundred at once", false);
    List<Response> all = concurrently(100, () -> ask(ACME_ONE, q));

    assertThat(upstreamCalls("one hundred at once")).isEqualTo(1);
    assertThat(all).allSatisfy(r -> {
      assertThat(r.status()).isEqualTo(200);
      assertThat(content(r)).isEqualTo("echo: one hundred at once");
    });
    // The others joined the call in flight or, when they arrived after it ended (a busy machine may
    // take longer than the upstream's 3 s to send them all), got its stored answer: never a second call.
    assertThat(all).filteredOn(r -> r.header("X-Sluice-Cache").equals("miss")).hasSize(1);
    assertThat(all).extracting(r -> r.header("X-Sluice-Cache")).isSubsetOf("miss", "joined", "hit");
  }

  @Test
  void concurrentStreamsShareOneUpstreamStreamAndEachGetsItWhole() throws Exception {
    String q = body("slow-stream", "twenty streams", true);
    List<Response> all = concurrently(20, () -> ask(ACME_ONE, q));

    assertThat(upstreamCalls("twenty streams")).isEqualTo(1);
    List<String> reference = all.getFirst().events();
    assertThat(TestGateway.streamedContent(reference)).isEqualTo("echo: twenty streams");
    assertThat(all).allSatisfy(r -> {
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.events()).isEqualTo(reference);
    });
    assertThat(all).filteredOn(r -> r.header("X-Sluice-Cache").equals("joined")).isNotEmpty();
  }

  @Test
  void aFollowerThatJoinsMidStreamStillReceivesEveryChunkFromTheStart() throws Exception {
    String q = body("slow-stream", "late joiner", true);
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<Response> leader = pool.submit(() -> ask(ACME_ONE, q));
      Thread.sleep(600); // the leader's stream has started: chunks arrive 400 ms apart
      Response follower = ask(ACME_ONE, q);

      assertThat(follower.header("X-Sluice-Cache")).isEqualTo("joined");
      assertThat(follower.events()).isEqualTo(leader.get().events());
      assertThat(TestGateway.streamedContent(follower.events())).isEqualTo("echo: late joiner");
    }
    assertThat(upstreamCalls("late joiner")).isEqualTo(1);
  }

  @Test
  void aJoinedStreamCarriesOnWhenTheFirstClientGoesAway() throws Exception {
    String q = body("slow-stream", "leader leaves", true);
    byte[] request = ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ACME_ONE
        + "\r\nContent-Type: application/json\r\nContent-Length: " + q.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
        + "\r\n\r\n" + q).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<Response> follower;
      try (java.net.Socket leader = new java.net.Socket("127.0.0.1", gateway.port())) {
        leader.getOutputStream().write(request);
        leader.getOutputStream().flush();
        int first = leader.getInputStream().read(); // the stream has started
        assertThat(first).isNotEqualTo(-1);
        follower = pool.submit(() -> ask(ACME_ONE, q));
        Thread.sleep(300); // the follower has joined
      } // the first client goes away mid-stream

      Response r = follower.get();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("X-Sluice-Cache")).isEqualTo("joined");
      assertThat(r.events()).last().isEqualTo("[DONE]");
      assertThat(TestGateway.streamedContent(r.events())).isEqualTo("echo: leader leaves");
    }
    assertThat(upstreamCalls("leader leaves")).isEqualTo(1);
    assertThat(ask(ACME_ONE, q).header("X-Sluice-Cache")).isEqualTo("hit"); // and it was stored
  }

  @Test
  void whenTheLeaderFailsTransientlyOneFollowerLeadsAgainAndTheOthersGetItsAnswer() throws Exception {
    String q = body("fails-once", "leader fails", false);
    List<Response> all = concurrently(10, () -> ask(ACME_ONE, q));

    // the upstream failed the first call only: its leader's client sees that failure, nobody else does
    assertThat(all).filteredOn(r -> r.status() >= 500).hasSize(1);
    assertThat(all).filteredOn(r -> r.status() == 200).hasSize(9)
        .allSatisfy(r -> assertThat(content(r)).isEqualTo("echo: leader fails"));
    assertThat(upstreamCalls("leader fails")).isEqualTo(2);
  }

  @Test
  void whenTheUpstreamRefusesTheRequestItselfEveryFollowerGetsThatRefusal() throws Exception {
    String q = body("refuses", "refused question", false);
    List<Response> all = concurrently(10, () -> ask(ACME_ONE, q));

    assertThat(all).allSatisfy(r -> assertThat(r.status()).isEqualTo(400));
    assertThat(all).extracting(r -> r.header("X-Sluice-Cache")).containsOnlyOnce("miss").isSubsetOf("miss", "joined");
    assertThat(upstreamCalls("refused question")).isEqualTo(1);
  }

  // ---------------------------------------------------------------- purge

  @Test
  void purgeDropsATenantsEntriesOfAModelAndNeedsTheAdminKey() {
    String q = body("m", "purge me", false);
    ask(ACME_ONE, q);
    ask(BETA, q);
    assertThat(ask(ACME_ONE, q).header("X-Sluice-Cache")).isEqualTo("hit");

    assertThat(gateway.delete("/admin/cache?tenant=acme&model=m", "authorization", "Bearer " + ACME_ONE).status())
        .isEqualTo(403);
    assertThat(gateway.delete("/admin/cache?tenant=acme&model=m").status()).isEqualTo(401);
    Response purged = gateway.delete("/admin/cache?tenant=acme&model=m", "authorization", "Bearer " + ADMIN);
    assertThat(purged.status()).isEqualTo(200);
    assertThat(purged.json().path("purged").asLong()).isGreaterThanOrEqualTo(1);

    assertThat(ask(ACME_ONE, q).header("X-Sluice-Cache")).isEqualTo("miss");
    assertThat(ask(BETA, q).header("X-Sluice-Cache")).isEqualTo("hit");
  }

  // ---------------------------------------------------------------- savings

  @Test
  void everyAvoidedCallRecordsWhatTheUpstreamWouldHaveChargedForIt() throws Exception {
    // A tenant of its own, so that the ledger holds only this test's records.
    Response created = gateway.post("/admin/tenants", "{\"name\":\"saver\"}", "authorization", "Bearer " + ADMIN);
    assertThat(created.status()).isIn(200, 201);
    Response key = gateway.post("/admin/keys", "{\"tenant\":\"saver\",\"name\":\"k\"}", "authorization", "Bearer " + ADMIN);
    String saver = key.json().path("key").asText();

    // Each question is asked under a feature of its own, so the ledger can be read per question.
    for (int i = 0; i < 5; i++) {
      String q = body("m", "saving question " + i, i % 2 == 0); // streamed and whole answers differ in usage
      for (int n = 0; n < 3; n++) ask(saver, q, "X-Sluice-Feature", "q" + i);
    }
    concurrently(10, () -> ask(saver, body("slow", "saving together", false), "X-Sluice-Feature", "together"));

    JsonNode savings = gateway.get("/admin/savings?tenant=saver&group_by=feature,mechanism", "authorization",
        "Bearer " + ADMIN).json();
    java.util.Map<String, long[]> byFeature = new java.util.TreeMap<>(); // spent, avoided, avoided requests, requests
    for (JsonNode row : savings.path("rows")) {
      long[] f = byFeature.computeIfAbsent(row.path("feature").asText(), k -> new long[4]);
      f[0] += nanos(row.path("spend_usd"));
      f[1] += nanos(row.path("avoided_usd"));
      if (!row.path("mechanism").isNull()) f[2] += row.path("requests").asLong();
      f[3] += row.path("requests").asLong();
    }
    assertThat(byFeature.keySet()).containsExactly("q0", "q1", "q2", "q3", "q4", "together");
    byFeature.forEach((feature, f) -> {
      long missCost = f[0];
      long avoidedCalls = f[2];
      assertThat(missCost).as(feature).isPositive();
      assertThat(f[3] - avoidedCalls).as(feature + ": calls that reached the upstream").isEqualTo(1);
      assertThat(f[1]).as(feature + ": avoided = the miss's cost for each avoided call").isEqualTo(missCost * avoidedCalls);
    });
    assertThat(savings.at("/total/requests").asLong()).isEqualTo(25);
    long totalAvoided = byFeature.values().stream().mapToLong(f -> f[1]).sum();
    assertThat(nanos(savings.at("/total/avoided_usd"))).isEqualTo(totalAvoided);

    String metrics = gateway.get("/metrics", "authorization", "Bearer " + ADMIN).body();
    assertThat(metrics).contains("sluice_avoided_usd_total{mechanism=\"exact\",tenant=\"saver\"}")
        .contains("sluice_avoided_usd_total{mechanism=\"joined\",tenant=\"saver\"}")
        .containsPattern("sluice_cache_hits_total\\{[^}]*kind=\"hit\"[^}]*tenant=\"saver\"");
  }

  static long nanos(JsonNode usd) {
    return usd.decimalValue().movePointRight(9).longValueExact();
  }
}
