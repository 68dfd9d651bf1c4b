package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code sluice eval cache-replay} on a slice of the Mooncake synthetic trace (six exact repeats in 150 requests). */
class CacheReplayCommandTest {

  static long figure(String out, String regex) {
    Matcher m = Pattern.compile(regex).matcher(out);
    assertThat(m.find()).as(regex + " in:\n" + out).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void replayingATraceCountsTheRepeatsAnsweredWithoutTheUpstreamAndWhatTheyAvoided() throws Exception {
    Path slice = Path.of(getClass().getResource("/traces/mooncake-synthetic-3800.jsonl").toURI());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));

    int exit = cli.execute("eval", "cache-replay", "--data", slice.toString(), "--max-input-tokens", "64", "--speed", "100");

    String text = out.toString();
    assertThat(exit).as(err.toString()).isZero();
    long hits = figure(text, "hit\\s+(\\d+)");
    long joined = figure(text, "joined\\s+(\\d+)");
    assertThat(hits + joined).isEqualTo(6);
    assertThat(figure(text, "miss\\s+(\\d+)")).isEqualTo(144);
    assertThat(figure(text, "upstream calls (\\d+) of 150")).isEqualTo(144);
    assertThat(text).containsPattern("avoided  \\$0\\.\\d*[1-9]\\d*");
  }
}
