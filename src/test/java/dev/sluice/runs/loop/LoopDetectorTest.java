package dev.sluice.runs.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.api.Json;
import dev.sluice.runs.LoopFinding;
import dev.sluice.runs.RunCall;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The loop detector over hand-built runs, K = 3, near-duplicates by spelling at 0.8. */
class LoopDetectorTest {

  static final LoopSettings SETTINGS = LoopSettings.DEFAULT.withSimilarity(true, LexicalSimilarity.THRESHOLD);
  static final LoopDetector detector = LoopDetector.lexical(SETTINGS);

  static Optional<String> pattern(AgentTranscript t) {
    return detector.inspect(t.history(), t.next()).map(LoopFinding::pattern);
  }

  @Nested
  class ToolRepeat {
    @Test
    void theSameToolCallWithTheSameResultThreeTimesInARowIsALoop() {
      AgentTranscript t = AgentTranscript.start("Find cheap hotels in Lisbon.");
      t.tool("search", "{\"q\":\"lisbon hotels\"}", "No results.");
      t.tool("search", "{\"q\":\"lisbon hotels\"}", "No results.");
      assertThat(pattern(t)).as("twice is not yet a loop").isEmpty();
      t.tool("search", "{\"q\":\"lisbon hotels\"}", "No results.");
      assertThat(pattern(t)).contains("tool_repeat");
      assertThat(detector.inspect(t.history(), t.next()).orElseThrow().detail())
          .contains("search {\"q\":\"lisbon hotels\"}").contains("3 times");
    }

    @Test
    void argumentsInAnotherKeyOrderAreTheSameCall() {
      AgentTranscript t = AgentTranscript.start("Book it.");
      t.tool("book", "{\"room\":\"A\",\"day\":1}", "busy");
      t.tool("book", "{\"day\":1,\"room\":\"A\"}", "busy");
      t.tool("book", "{ \"room\": \"A\", \"day\": 1 }", "busy");
      assertThat(pattern(t)).contains("tool_repeat");
    }

    @Test
    void pollingAJobWhoseStatusAdvancesIsProgress() {
      AgentTranscript t = AgentTranscript.start("Wait for job 42.");
      for (String status : List.of("queued", "running 10%", "running 40%", "running 80%", "running 95%", "done")) {
        t.tool("job_status", "{\"id\":\"42\"}", "{\"state\":\"" + status + "\"}");
        assertThat(pattern(t)).as("after %s", status).isEmpty();
      }
    }

    @Test
    void rereadingAFileAfterEachEditIsProgress() {
      AgentTranscript t = AgentTranscript.start("Replace print by logging in app.py.");
      t.tool("read_file", "{\"path\":\"app.py\"}", "import os\nprint(os.getcwd())");
      t.tool("edit_file", "{\"path\":\"app.py\",\"old\":\"print\",\"new\":\"log.info\"}", "Replaced 1 occurrence.");
      t.tool("read_file", "{\"path\":\"app.py\"}", "import os\nlog.info(os.getcwd())");
      t.tool("edit_file", "{\"path\":\"app.py\",\"old\":\"import os\",\"new\":\"import os, logging\"}", "Replaced 1 occurrence.");
      t.tool("read_file", "{\"path\":\"app.py\"}", "import os, logging\nlog.info(os.getcwd())");
      assertThat(pattern(t)).isEmpty();
    }

    @Test
    void theSameCallThreeTimesInOneTurnIsALoop() {
      AgentTranscript t = AgentTranscript.start("Research pricing.");
      String[] spawn = {"spawn_agent", "{\"task\":\"pricing\"}", "started"};
      t.tools(spawn, spawn, spawn);
      assertThat(pattern(t)).contains("tool_repeat");
    }

    @Test
    void distinctCallsInOneTurnAreNot() {
      AgentTranscript t = AgentTranscript.start("Compare three vendors.");
      t.tools(new String[] {"fetch", "{\"url\":\"a\"}", "Alpha"}, new String[] {"fetch", "{\"url\":\"b\"}", "Beta"},
          new String[] {"fetch", "{\"url\":\"c\"}", "Gamma"});
      assertThat(pattern(t)).isEmpty();
    }

    @Test
    void repeatsOlderThanTheWindowDoNotCount() {
      LoopDetector small = LoopDetector.lexical(new LoopSettings(3, 6, 0.8, false));
      AgentTranscript t = AgentTranscript.start("Go.");
      t.tool("search", "{\"q\":\"x\"}", "nothing");
      t.tool("search", "{\"q\":\"x\"}", "nothing");
      assertThat(small.inspect(t.history(), t.next())).isEmpty();
      for (int i = 0; i < 6; i++) t.tool("step", "{\"i\":" + i + "}", "done " + i);
      t.tool("search", "{\"q\":\"x\"}", "nothing");
      assertThat(small.inspect(t.history(), t.next())).isEmpty();
    }
  }

  @Nested
  class ErrorRepeat {
    @Test
    void theSameErrorAnsweredWithTheSameCallIsALoop() {
      AgentTranscript t = AgentTranscript.start("Deploy 1.4.2.");
      for (int i = 0; i < 3; i++) t.tool("deploy", "{\"env\":\"prod\"}", "Error: permission denied");
      assertThat(pattern(t)).contains("error_repeat");
    }

    @Test
    void aToolThatFailsTwiceThenWorksIsNot() {
      AgentTranscript t = AgentTranscript.start("Get the report.");
      t.tool("fetch", "{\"url\":\"r\"}", "Error: timeout");
      t.tool("fetch", "{\"url\":\"r\"}", "Error: timeout");
      t.tool("fetch", "{\"url\":\"r\"}", "200 OK: revenue up 4 percent");
      assertThat(pattern(t)).isEmpty();
    }

    @Test
    void aFailingTestAnsweredWithTheSamePatchIsALoop() {
      AgentTranscript t = AgentTranscript.start("Fix the test.");
      for (int i = 0; i < 2; i++) {
        t.tool("run_tests", "{}", "FAILED test_empty - AssertionError");
        t.tool("apply_patch", "{\"diff\":\"+ return x or None\"}", "Patch applied.");
      }
      assertThat(pattern(t)).contains("error_repeat");
    }

    @Test
    void resendingARequestThatFailedThreeTimesIsARetryStorm() {
      AgentTranscript t = AgentTranscript.start("Summarise the notes.");
      t.failed(503, "upstream_unavailable").failed(503, "upstream_unavailable");
      assertThat(pattern(t)).as("two failed attempts, the third may go").isEmpty();
      t.failed(503, "upstream_unavailable");
      assertThat(pattern(t)).contains("error_repeat");
    }

    @Test
    void retriesThatEndInSuccessAreNot() {
      AgentTranscript t = AgentTranscript.start("Summarise the notes.");
      t.failed(429, "rate_limited").failed(429, "rate_limited");
      t.text("Here is the summary.", "Thanks, and the action items?");
      assertThat(pattern(t)).isEmpty();
    }
  }

  @Nested
  class ExactRepeat {
    @Test
    void aRequestSentThreeTimesUnchangedIsALoop() {
      RunCall call = AgentTranscript.start("Write a haiku.").next();
      RunCall answered = new RunCall(call.request(), Json.MAPPER.createObjectNode().put("content", "Waves..."), 200, null);
      assertThat(detector.inspect(List.of(answered), call)).isEmpty();
      assertThat(detector.inspect(List.of(answered, answered), call)).map(LoopFinding::pattern).contains("exact_repeat");
    }

    @Test
    void subAgentsGivenTheSameTaskAreALoop() {
      RunCall task = AgentTranscript.start("Find hotel prices in Lisbon.").next();
      RunCall answered = new RunCall(task.request(), Json.MAPPER.createObjectNode().put("content", "..."), 200, null);
      assertThat(detector.inspect(List.of(answered, answered), task)).map(LoopFinding::pattern).contains("exact_repeat");
    }

    @Test
    void subAgentsWithTheirOwnTasksUsingTheSameToolAreNot() {
      List<AgentTranscript> agents = new ArrayList<>();
      for (String q : List.of("Capital of Australia?", "Height of Kilimanjaro?", "Author of The Master and Margarita?")) {
        agents.add(AgentTranscript.start(q));
      }
      List<RunCall> run = new ArrayList<>();
      for (AgentTranscript a : agents) {
        run.add(firstCallOf(a));
        a.tool("search", "{}", "Found 3 pages.");
      }
      for (AgentTranscript a : agents) {
        assertThat(detector.inspect(run, a.next())).isEmpty();
        run.add(a.next());
      }
    }

    @Test
    void theSameTextExchangeThreeTimesInARowIsALoop() {
      AgentTranscript t = AgentTranscript.start("Is the answer final?");
      t.text("I am not sure.", "Try again.");
      t.text("I am not sure.", "Try again.");
      t.text("I am not sure.", "Try again.");
      assertThat(pattern(t)).contains("exact_repeat");
    }

    @Test
    void askingToContinueWhileTheStoryGoesOnIsNot() {
      AgentTranscript t = AgentTranscript.start("Write a story set in a lighthouse.");
      t.text("Chapter 1. The keeper lit the lamp at dusk, as every evening.", "continue");
      t.text("Chapter 2. A ship's horn answered from the fog, though no ship was due.", "continue");
      t.text("Chapter 3. At dawn, footprints led from the shore to the locked door.", "continue");
      assertThat(pattern(t)).isEmpty();
    }

    private static RunCall firstCallOf(AgentTranscript fresh) {
      return new RunCall(fresh.next().request(), Json.MAPPER.createObjectNode(), 200, null);
    }
  }

  @Nested
  class Cycle {
    @Test
    void twoStatesThatSendTheAgentToEachOtherAreACycleOnceBothCameBack() {
      AgentTranscript t = AgentTranscript.start("Why was the refund refused?");
      t.tool("get_ticket", "{\"id\":\"T-88\"}", "Ticket T-88: see customer C-12.");
      t.tool("get_customer", "{\"id\":\"C-12\"}", "Customer C-12: see ticket T-88.");
      t.tool("get_ticket", "{\"id\":\"T-88\"}", "Ticket T-88: see customer C-12.");
      assertThat(pattern(t)).as("A, B, A: B may yet change").isEmpty();
      t.tool("get_customer", "{\"id\":\"C-12\"}", "Customer C-12: see ticket T-88.");
      assertThat(pattern(t)).contains("cycle");
    }

    @Test
    void waitingBetweenPollsThatAdvanceIsNot() {
      AgentTranscript t = AgentTranscript.start("Wait for the rollout.");
      t.tool("start_rollout", "{}", "rollout r-1 started");
      for (String state : List.of("1 of 4 ready", "2 of 4 ready", "3 of 4 ready", "4 of 4 ready")) {
        t.tool("wait", "{\"seconds\":60}", "waited 60 s");
        assertThat(pattern(t)).isEmpty();
        t.tool("rollout_status", "{\"id\":\"r-1\"}", state);
        assertThat(pattern(t)).isEmpty();
      }
    }
  }

  @Nested
  class NoProgress {
    @Test
    void rephrasingTheSameSearchWithoutFindingAnythingIsNoProgress() {
      AgentTranscript t = AgentTranscript.start("Find cheap flights.");
      for (String q : List.of("cheap flights from Berlin to Lisbon in March", "cheap flight from Berlin to Lisbon in March",
          "cheapest flights from Berlin to Lisbon in March")) {
        t.tool("search", "{\"q\":\"" + q + "\"}", "No results for \"" + q + "\".");
      }
      Optional<LoopFinding> found = detector.inspect(t.history(), t.next());
      assertThat(found).map(LoopFinding::pattern).contains("no_progress");
      assertThat(found.orElseThrow().detail()).contains("similarity at least 0.");
    }

    @Test
    void walkingPagesThatBringNewResultsIsProgress() {
      AgentTranscript t = AgentTranscript.start("List all orders.");
      t.tool("list_orders", "{\"page\":1}", "#1001 running shoes 118 EUR shipped to Lyon");
      t.tool("list_orders", "{\"page\":2}", "#1002 espresso machine 349 EUR pending payment");
      t.tool("list_orders", "{\"page\":3}", "#1003 winter jacket returned, refund issued");
      assertThat(pattern(t)).isEmpty();
    }

    @Test
    void isNotCheckedWhenSimilarityIsOff() {
      LoopDetector off = LoopDetector.lexical(SETTINGS.withSimilarity(false, 0.8));
      AgentTranscript t = AgentTranscript.start("Find cheap flights.");
      for (String q : List.of("cheap flights Berlin Lisbon", "cheap flight Berlin Lisbon", "cheapest flights Berlin Lisbon")) {
        t.tool("search", "{\"q\":\"" + q + "\"}", "No results.");
      }
      assertThat(off.inspect(t.history(), t.next())).isEmpty();
    }
  }

  @Nested
  class Purity {
    @Test
    void theSameHistoryAlwaysGivesTheSameFindingAndIsLeftUnchanged() {
      AgentTranscript t = AgentTranscript.start("Go.");
      for (int i = 0; i < 3; i++) t.tool("search", "{\"q\":\"x\"}", "nothing");
      List<RunCall> history = t.history();
      RunCall next = t.next();
      String before = history.toString() + next;
      Optional<LoopFinding> first = detector.inspect(history, next);
      for (int i = 0; i < 5; i++) {
        assertThat(LoopDetector.lexical(SETTINGS).inspect(history, next)).isEqualTo(first);
        assertThat(detector.inspect(history, next)).isEqualTo(first);
      }
      assertThat(history.toString() + next).isEqualTo(before);
    }

    @Test
    void oneRunsHistoryDoesNotLeakIntoAnother() {
      AgentTranscript stuck = AgentTranscript.start("Go.");
      for (int i = 0; i < 3; i++) stuck.tool("search", "{\"q\":\"x\"}", "nothing");
      assertThat(pattern(stuck)).contains("tool_repeat");
      AgentTranscript other = AgentTranscript.start("Go.");
      other.tool("search", "{\"q\":\"x\"}", "nothing");
      assertThat(pattern(other)).isEmpty();
    }
  }

  @Test
  void settingsRefuseAThresholdBelowTwoAndATooSmallWindow() {
    assertThatThrownBy(() -> new LoopSettings(1, 20, 0.9, true)).hasMessageContaining("repeat_threshold must be at least 2");
    assertThatThrownBy(() -> new LoopSettings(5, 6, 0.9, true)).hasMessageContaining("window must be at least");
  }

  @Test
  void toolArgumentsThatAreNotJsonAreComparedAsText() {
    AgentTranscript t = AgentTranscript.start("Go.");
    for (int i = 0; i < 3; i++) t.tool("run", "ls -la {", "nothing");
    assertThat(pattern(t)).contains("tool_repeat");
  }
}
