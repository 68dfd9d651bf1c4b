package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cli.Main;
import dev.sluice.sim.profile.ProfileLoader;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The {@code sluice sim} command line. */
class SimCommandTest {

  private static String run(int expectedExit, String... args) {
    CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(out, true));
    assertThat(cli.execute(args)).as(out.toString()).isEqualTo(expectedExit);
    return out.toString();
  }

  @Test
  void listPrintsOneLinePerShippedProfileWithHardwareModelAndCost() {
    List<String> lines = run(0, "sim", "--list").lines().toList();
    assertThat(lines).hasSize(ProfileLoader.SHIPPED.size());
    for (int i = 0; i < lines.size(); i++) {
      assertThat(lines.get(i)).startsWith(ProfileLoader.SHIPPED.get(i) + " ").contains("$");
    }
    assertThat(lines.getFirst()).contains("H100", "Llama-3-8B", "$3.99/h");
    assertThat(lines.getLast()).contains("GPT-4o-mini", "$0.150 in");
  }

  @Test
  void helpExplainsTheOptions() {
    String help = run(0, "sim", "--help");
    assertThat(help).contains("--profile=NAME[:PORT]", "--speedup=FACTOR", "--seed=N", "--list", "X-Sluice-Sim-Fault", "plot",
        "faithfulness");
  }

  @Test
  void anUnknownProfileOrNoProfileIsAnError() {
    assertThat(run(2, "sim")).contains("--profile");
  }

  @Test
  void plotWritesOnePngPerBatchingProfile(@TempDir Path dir) throws Exception {
    String out = run(0, "sim", "plot", "--out", dir.toString(), "--profile", "edge-orin-llama3.2-1b", "--profile", "api-mini");
    assertThat(out.strip()).isEqualTo("wrote " + dir.resolve("edge-orin-llama3.2-1b.png"));
    BufferedImage png = ImageIO.read(dir.resolve("edge-orin-llama3.2-1b.png").toFile());
    assertThat(png.getWidth()).isGreaterThan(1000);
    assertThat(dir.resolve("api-mini.png")).doesNotExist();
  }
}
