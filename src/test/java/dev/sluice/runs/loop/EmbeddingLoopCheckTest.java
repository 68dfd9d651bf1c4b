package dev.sluice.runs.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.provider.local.Embedder;
import dev.sluice.provider.local.MiniLm;
import dev.sluice.runs.LoopFinding;
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
}
