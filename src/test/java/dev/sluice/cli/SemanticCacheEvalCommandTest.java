package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code sluice eval semantic-cache}, on a small file of hand-written question pairs. */
class SemanticCacheEvalCommandTest {
  static final String PAIRS = Path.of("src/test/resources/semantic-cache/pairs.csv").toAbsolutePath().toString();

  private static String run(int expectedExit, String... args) {
    CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(out, true));
    assertThat(cli.execute(args)).as(out.toString()).isEqualTo(expectedExit);
    return out.toString();
  }

  @Test
  void helpExplainsTheDataAndTheTrainingMode() {
    assertThat(run(0, "eval", "semantic-cache", "--help"))
        .contains("--data=FILE.csv", "question1, question2, is_duplicate", "--train", "--out=FILE", "--thresholds");
  }

  @Test
  void printsPrecisionRecallAndHitRateAtTheDefaultAndTheSweptThresholdsLeavingOutTrainingPairs() {
    String out = run(0, "eval", "semantic-cache", "--data", PAIRS, "--thresholds", "0.85,0.95");

    assertThat(out).contains("| default (guards + verifier) |", "| guards + verifier | 0.850 |",
        "| guards + verifier | 0.950 |", "| cosine alone | 0.850 |", "| cosine alone | 0.950 |",
        "left out as the verifier's training split", "lookup on a miss");
    String counts = out.lines().filter(l -> l.contains("pairs evaluated")).findFirst().orElseThrow();
    int evaluated = Integer.parseInt(counts.split(" ")[0]);
    int skipped = Integer.parseInt(counts.replaceAll(".*; (\\d+) left out.*", "$1"));
    assertThat(evaluated + skipped).isEqualTo(40);
    assertThat(skipped).isPositive();
  }

  @Test
  void trainWritesWeightsThatNameTheirData(@TempDir Path dir) throws Exception {
    Path weights = dir.resolve("verifier.json");
    String out = run(0, "eval", "semantic-cache", "--data", PAIRS, "--train", "--out", weights.toString(),
        "--folds", "2", "--target-recall", "0.1");

    assertThat(out).contains("trained on");
    Map<?, ?> json = new ObjectMapper().readValue(Files.readString(weights), Map.class);
    assertThat(((Map<?, ?>) json.get("provenance")).get("data")).isEqualTo("pairs.csv");
    assertThat(json.get("cutoff")).isInstanceOf(Double.class);
  }

  @Test
  void aMissingFileIsAnErrorNamingIt() {
    assertThat(run(1, "eval", "semantic-cache", "--data", "/nonexistent/pairs.csv")).contains("no such file: /nonexistent/pairs.csv");
  }
}
