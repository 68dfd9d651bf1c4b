package dev.sluice.runs.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.local.Embedder;
import dev.sluice.provider.local.MiniLm;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.runs.LoopFinding;
import dev.sluice.runs.RunCall;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Near-duplicates measured by MiniLM: prepared asynchronously, then decided synchronously. */
class EmbeddingLoopCheckTest {
  static Embedder embedder;

  @BeforeAll
  static void start() {
    embedder = MiniLm.start();
  }

  @AfterAll
  static void stop() {
    embedder.close();
  }

  static AgentTranscript rephrasedSearches() {
    AgentTranscript t = AgentTranscript.start("Find cheap flights.");
    for (String q : List.of("cheap flights from Berlin to Lisbon in March", "low cost flights from Berlin to Lisbon in March",
        "inexpensive flights from Berlin to Lisbon in March")) {
      t.tool("search", "{\"q\":\"" + q + "\"}", "No results for \"" + q + "\".");
    }
    return t;
  }

  @Test
  void rephrasingsThatShareFewLettersAreStillNearDuplicatesOnceEmbedded() {
    EmbeddingLoopCheck check = new EmbeddingLoopCheck(LoopSettings.DEFAULT, embedder, 100);
    AgentTranscript t = rephrasedSearches();
    assertThat(check.inspect(t.history(), t.next())).as("nothing embedded yet: similar to nothing").isEmpty();
    check.prepare(t.history(), t.next()).await();
    assertThat(check.inspect(t.history(), t.next())).map(LoopFinding::pattern).contains("no_progress");
  }

  @Test
  void aFailedEmbedderNeverRaisesAFalseAlarmAndTheOtherChecksStillWork() {
    Embedder closed = MiniLm.start();
    closed.close();
    EmbeddingLoopCheck check = new EmbeddingLoopCheck(LoopSettings.DEFAULT, closed, 100);
    AgentTranscript drifting = rephrasedSearches();
    assertThat(check.inspectAsync(drifting.history(), drifting.next()).await()).isEmpty();
    AgentTranscript repeating = AgentTranscript.start("Go.");
    for (int i = 0; i < 3; i++) repeating.tool("search", "{\"q\":\"x\"}", "No results.");
    assertThat(check.inspectAsync(repeating.history(), repeating.next()).await()).map(LoopFinding::pattern)
        .contains("tool_repeat");
  }

  @Test
  void anAgentThatSaysDifferentThingsHasOnlyWhatItSaidEmbeddedAndOnlyOnce() {
    EmbeddingLoopCheck check = new EmbeddingLoopCheck(LoopSettings.DEFAULT, embedder, 100);
    AgentTranscript t = AgentTranscript.start("Plan a weekend in Lisbon.");
    t.tool("search_flights", "{\"to\":\"LIS\"}", "3 flights found, from 89 EUR.");
    t.tool("weather", "{\"city\":\"Lisbon\"}", "Sunny, 24 C.");
    t.tool("book_hotel", "{\"city\":\"Lisbon\",\"nights\":2}", "Booked: Hotel Avenida, 2 nights.");
    long before = embedder.stats().inputs();

    check.prepare(t.history(), t.next()).await();
    assertThat(embedder.stats().inputs() - before).as("the three tool calls, not the results they got").isEqualTo(3);
    check.prepare(t.history(), t.next()).await();
    assertThat(embedder.stats().inputs() - before).as("kept").isEqualTo(3);
    assertThat(check.inspect(t.history(), t.next())).isEmpty();
  }

  @Test
  void whatTheModelSaidIsEmbeddedAsSoonAsItIsAnswered() throws InterruptedException {
    EmbeddingLoopCheck check = new EmbeddingLoopCheck(LoopSettings.DEFAULT, embedder, 100);
    AgentTranscript t = rephrasedSearches();
    long start = embedder.stats().inputs();
    // each request ends with what the call before it was answered with
    for (RunCall call : t.history().subList(1, t.history().size())) check.answered(lastAssistantMessage(call));
    check.answered(lastAssistantMessage(t.next()));
    for (int i = 0; i < 500 && embedder.stats().inputs() - start < 3; i++) Thread.sleep(20);

    long before = embedder.stats().inputs();
    check.prepare(t.history(), t.next()).await();
    assertThat(embedder.stats().inputs() - before).as("only the results: the outputs were embedded when answered")
        .isEqualTo(3);
    assertThat(check.inspect(t.history(), t.next())).map(LoopFinding::pattern).contains("no_progress");
  }

  private static ObjectNode lastAssistantMessage(RunCall call) {
    var messages = call.request().get("messages");
    for (int i = messages.size() - 1; i >= 0; i--) {
      if ("assistant".equals(messages.get(i).path("role").asText())) return (ObjectNode) messages.get(i);
    }
    throw new AssertionError("no assistant message");
  }
}
