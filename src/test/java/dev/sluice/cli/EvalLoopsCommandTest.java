package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sluice eval loops}, run in-process: offline, end to end through a gateway, and on a data directory. */
class EvalLoopsCommandTest {

  record Run(int exit, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  @Test
  void offlineEveryStuckAgentIsCaughtAndNoLegitimateOneIsStopped() {
    Run r = run("eval", "loops", "--similarity", "lexical");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("same-search-no-results", "tool_repeat", "caught", "long-coding-session", "passed")
        .contains("stuck: 15/15 caught within K=3 calls of their loop", "legit: 23/23 ran to the end, 0 false alarms");
  }

  @Test
  void throughTheGatewayStuckAgentsAreRefusedWithRunLoopDetectedAndLegitimateOnesServed() {
    Run r = run("eval", "loops", "--through-gateway");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("end to end: the scripted agents -> Sluice")
        .contains("stuck: 15/15 caught within K=3 calls of their loop (15 with the expected pattern)")
        .contains("legit: 23/23 ran to the end, 0 false alarms");
  }

  @Test
  void withoutNearDuplicatesTheDriftingAgentsAreCaughtTooLateAndTheCommandFails() {
    Run r = run("eval", "loops", "--similarity", "off");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).containsPattern("drifting-search +stuck +no_progress +late +tool_repeat")
        .contains("stuck: 13/15 caught", "2 late", "0 false alarms");
    assertThat(r.err()).contains("not every scenario went as expected");
  }

  @Test
  void aDataDirectoryOfItsOwnIsPlayedInstead(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("mine.yaml"), """
        - name: my-stuck-lookup
          expect: stuck
          pattern: tool_repeat
          loop_starts_at: 2
          tools: [lookup]
          script: 'call:lookup{"id":1}*'
          results: {lookup: [not found]}
        """);
    Run r = run("eval", "loops", "--similarity", "off", "--data", dir.toString());
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("my-stuck-lookup", "stuck: 1/1 caught").doesNotContain("long-coding-session");
  }
}
