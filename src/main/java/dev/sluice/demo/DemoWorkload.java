package dev.sluice.demo;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The demo's traffic, one virtual thread per simulated client, for a fixed time:
 *
 * <ul>
 *   <li>chat users of the help desk ({@code support-app}, model {@code assistant}): two calls in
 *       three ask one of a dozen common questions, mostly the same few; the third asks about the
 *       user's own order or ticket, a question asked once; half of the calls are streamed;
 *   <li>agents ({@code research-agents}, model {@code agent}) that work through runs of a few
 *       steps, each step resending the conversation so far with its tool calls and results; every
 *       third run gets stuck after two steps, sending the very same request again and again (as an
 *       agent does whose tool keeps failing) until it is stopped or gives up;
 *   <li>background jobs ({@code batch-jobs}): document summaries on the CPU pool and ticket triage on
 *       the GPU pool.
 * </ul>
 *
 * What it sends is seeded, so runs are alike; what the calls cost is read from the ledger
 * afterwards, never counted here. The counters below only feed the progress bar.
 */
final class DemoWorkload {
  static final int CHAT_USERS = 6;
  static final int AGENTS = 3;
  static final int SUMMARY_JOBS = 2;
  static final int TRIAGE_JOBS = 2;
  /** Steps after which a stuck agent gives up a run by itself. */
  static final int STUCK_RUN_STEPS = 24;

  static final String SUPPORT_PROMPT = """
      You are the help desk of Acme Cloud. Answer in three short sentences, politely, with a link to the \
      documentation when there is one. Never promise refunds; point to the billing page instead. If the \
      question is about an outage, point to the status page. Do not make up product names or prices.""";

  /** The help desk's questions, most asked first: users ask the first few far more often. */
  static final List<String> QUESTIONS = List.of(
      "How do I reset my password?",
      "Where can I download my invoice?",
      "How do I add a teammate to my workspace?",
      "Why was my card declined?",
      "How do I change my plan?",
      "Is there an outage right now?",
      "How do I export my data?",
      "Can I get a refund for last month?",
      "How do I enable two-factor authentication?",
      "What are your support hours?",
      "How do I delete my account?",
      "Do you have an API rate limit?");

  /** Questions about one user's own case (an order or ticket number makes each one new). */
  static final List<String> CASES = List.of(
      "My order #%d has not arrived yet, what should I do?",
      "Ticket %d was closed but my problem is not solved.",
      "I was charged twice for invoice %d, can you check?",
      "Workspace %d shows an error when I invite people.");

  /** What a research agent searches for, one aspect per search. */
  static final List<String> ASPECTS = List.of("market size", "regulation", "leading companies", "recent funding rounds",
      "technical risks", "customer reviews");

  /** What its tools return: each call learns something different. */
  static final List<String> FINDINGS = List.of(
      "Three results: an industry report from March, a trade-press interview, a government consultation.",
      "The page says the sector grew 18 % last year, driven by two large contracts in Germany.",
      "A 2025 regulation requires operators to publish audited figures every quarter.",
      "Two start-ups raised Series B rounds of 40 and 65 million euros in the spring.",
      "Customers praise the onboarding but complain about invoices arriving late.",
      "The article lists supply-chain delays and a shortage of trained technicians as the main risks.",
      "No pricing is published; a sales contact is listed for enterprise quotes.",
      "The forum thread compares four vendors on latency, support hours and contract length.");

  static final List<String> RESEARCH_TOPICS = List.of(
      "battery recycling startups in Europe", "open-source vector databases", "heat pump subsidies in 2026",
      "GPU spot prices this quarter", "carbon accounting software", "regional data residency rules");

  private final String baseUrl;
  private final DemoKeys keys;
  private final long seed;
  private final HttpClient http;
  final AtomicLong sent = new AtomicLong();
  final AtomicLong refused = new AtomicLong();

  /** The tenants' keys. */
  record DemoKeys(String support, String agents, String batch) {}

  DemoWorkload(String baseUrl, DemoKeys keys, long seed) {
    this.baseUrl = baseUrl;
    this.keys = keys;
    this.seed = seed;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
        .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
  }

  /** Runs every client for {@code duration}, then waits for the calls in flight to end. */
  void run(Duration duration) throws InterruptedException {
    long end = System.nanoTime() + duration.toNanos();
    BooleanSupplier going = () -> System.nanoTime() < end;
    List<Runnable> clients = new ArrayList<>();
    for (int i = 0; i < CHAT_USERS; i++) {
      int user = i;
      clients.add(() -> chatUser(user, new Random(seed * 31 + user), going));
    }
    for (int i = 0; i < AGENTS; i++) {
      int agent = i;
      clients.add(() -> agent(agent, new Random(seed * 37 + agent), going));
    }
    for (int i = 0; i < SUMMARY_JOBS; i++) {
      int job = i;
      clients.add(() -> summaries(job, new Random(seed * 41 + job), going));
    }
    for (int i = 0; i < TRIAGE_JOBS; i++) {
      int job = i;
      clients.add(() -> triage(job, new Random(seed * 43 + job), going));
    }
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      clients.forEach(threads::submit);
      threads.shutdown();
      threads.awaitTermination(duration.toSeconds() + 300, TimeUnit.SECONDS);
    }
  }

  private void chatUser(int user, Random random, BooleanSupplier going) {
    while (going.getAsBoolean()) {
      String question;
      if (random.nextInt(3) > 0) {
        // Zipf-like: the first questions are asked far more often than the last ones
        question = QUESTIONS.get((int) Math.floor(Math.pow(random.nextDouble(), 2.5) * QUESTIONS.size()));
      } else {
        // a question about the user's own case: asked once
        question = CASES.get(random.nextInt(CASES.size())).formatted(10_000 + random.nextInt(90_000));
      }
      ObjectNode body = chat("assistant", 120);
      messages(body).addObject().put("role", "system").put("content", SUPPORT_PROMPT);
      messages(body).addObject().put("role", "user").put("content", question);
      if (random.nextBoolean()) {
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
      }
      send(body, keys.support(), "support-chat", "user-" + (user * 7 + random.nextInt(5)), null);
      pause(random, 300, 1200);
    }
  }

  private void agent(int agent, Random random, BooleanSupplier going) {
    for (int n = 1; going.getAsBoolean(); n++) {
      String run = "run-" + (char) ('a' + agent) + "-" + n;
      boolean stuck = n % 3 == 2;
      String topic = RESEARCH_TOPICS.get(random.nextInt(RESEARCH_TOPICS.size()));
      ObjectNode body = chat("agent", 150);
      tools(body);
      messages(body).addObject().put("role", "system")
          .put("content", "You are a research agent. Use the search and read tools, then write a short brief.");
      messages(body).addObject().put("role", "user").put("content", "Write a brief on " + topic + ".");
      int steps = stuck ? STUCK_RUN_STEPS : 3 + random.nextInt(4);
      boolean refused = false;
      int firstFinding = random.nextInt(FINDINGS.size());
      for (int step = 1; step <= steps && going.getAsBoolean(); step++) {
        int status = send(body, keys.agents(), "research", null, run);
        if (status != 200) { // refused (a run guard, a budget): the agent gives up this run
          refused = true;
          break;
        }
        if (stuck && step > 2) continue; // stuck: its tool keeps failing, so it sends the same step again
        // making progress: it searches one aspect, reads a page, searches the next...
        String call = "call_" + step;
        boolean search = step % 2 == 1;
        String arguments = search
            ? "{\"q\":\"" + topic + " " + ASPECTS.get((step / 2) % ASPECTS.size()) + "\"}"
            : "{\"url\":\"https://news.example.com/" + Integer.toHexString(random.nextInt()) + "\"}";
        ObjectNode assistant = messages(body).addObject().put("role", "assistant");
        assistant.putNull("content");
        ObjectNode fn = assistant.putArray("tool_calls").addObject().put("id", call).put("type", "function")
            .putObject("function");
        fn.put("name", search ? "search" : "read").put("arguments", arguments);
        messages(body).addObject().put("role", "tool").put("tool_call_id", call)
            .put("content", FINDINGS.get((firstFinding + step) % FINDINGS.size()));
      }
      if (refused) pause(random, 2000, 4000); // and waits a little before the next one
      else pause(random, 200, 600);
    }
  }

  private void summaries(int job, Random random, BooleanSupplier going) {
    for (int n = 1; going.getAsBoolean(); n++) {
      ObjectNode body = chat("llama-3.2-3b", 100);
      messages(body).addObject().put("role", "user").put("content", "Summarize this support ticket thread in two sentences:\n"
          + ticketThread(random));
      send(body, keys.batch(), "nightly-summaries", null, null);
    }
  }

  private void triage(int job, Random random, BooleanSupplier going) {
    while (going.getAsBoolean()) {
      ObjectNode body = chat("llama-3-8b", 8);
      messages(body).addObject().put("role", "system").put("content", "Classify the ticket: billing, bug, account or other. One word.");
      messages(body).addObject().put("role", "user").put("content", QUESTIONS.get(random.nextInt(QUESTIONS.size())));
      send(body, keys.batch(), "ticket-triage", null, null);
      pause(random, 200, 800);
    }
  }

  private static String ticketThread(Random random) {
    StringBuilder sb = new StringBuilder();
    int turns = 6 + random.nextInt(6);
    for (int i = 0; i < turns; i++) {
      sb.append(i % 2 == 0 ? "Customer: " : "Agent: ")
          .append(QUESTIONS.get(random.nextInt(QUESTIONS.size())))
          .append(" I tried the steps from the documentation twice and it still does not work on my account.\n");
    }
    return sb.toString();
  }

  private static ObjectNode chat(String model, int maxTokens) {
    ObjectNode body = Json.MAPPER.createObjectNode();
    body.put("model", model);
    body.put("max_tokens", maxTokens);
    body.putArray("messages");
    return body;
  }

  private static ArrayNode messages(ObjectNode body) {
    return (ArrayNode) body.get("messages");
  }

  private static void tools(ObjectNode body) {
    ArrayNode tools = body.putArray("tools");
    for (String name : List.of("search", "read")) {
      ObjectNode fn = tools.addObject().put("type", "function").putObject("function");
      fn.put("name", name).put("description", name + " the web");
      fn.putObject("parameters").put("type", "object").putObject("properties").putObject("q").put("type", "string");
    }
  }

  /** Sends one call and reads its answer to the end; the status, or 0 when it could not be sent. */
  private int send(ObjectNode body, String key, String feature, String user, String run) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + "/chat/completions"))
        .timeout(Duration.ofSeconds(120))
        .header("content-type", "application/json")
        .header("authorization", "Bearer " + key)
        .header("x-sluice-feature", feature)
        .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (user != null) b.header("x-sluice-user", user);
    if (run != null) b.header("x-sluice-run", run);
    sent.incrementAndGet();
    try {
      HttpResponse<Void> r = http.send(b.build(), HttpResponse.BodyHandlers.discarding());
      if (r.statusCode() != 200) refused.incrementAndGet();
      return r.statusCode();
    } catch (IOException e) {
      refused.incrementAndGet();
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  private static void pause(Random random, int minMillis, int maxMillis) {
    try {
      Thread.sleep(minMillis + random.nextInt(maxMillis - minMillis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
