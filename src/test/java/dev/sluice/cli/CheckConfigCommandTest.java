package dev.sluice.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckConfigCommandTest {
  private static final long HEAP_MIB = Runtime.getRuntime().maxMemory() >> 20;

  @TempDir
  Path dir;

  record Run(int exit, String out, String err) {}

  @Test
  void aValidConfigIsSummarisedModelByModel() throws Exception {
    Run run = checkConfig(64);

    assertThat(run.exit()).isZero();
    assertThat(run.out())
        .contains("sluice.yaml: OK")
        .contains("listen 127.0.0.1:8080, no admin key (loopback only)")
        .contains("model chat: openai-1 (openai http://127.0.0.1:9001/v1, pool default)")
        .doesNotContain("warning");
  }

  @Test
  void aCacheBoundOverHalfTheHeapIsAcceptedWithAWarning() throws Exception {
    Run run = checkConfig(HEAP_MIB * 6 / 10);

    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("OK").contains("warning: cache_memory_mib (" + HEAP_MIB * 6 / 10 + " MiB) is");
  }

  @Test
  void aCacheBoundTheHeapCannotHoldIsAProblemAsServeWouldFindIt() throws Exception {
    Run run = checkConfig(HEAP_MIB * 2);

    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.out()).doesNotContain("OK");
    assertThat(run.err()).contains("1 problem").contains("cache_memory_mib (" + HEAP_MIB * 2 + " MiB) is 200%");
  }

  private Run checkConfig(long cacheMib) throws Exception {
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, """
        listen: 127.0.0.1:8080
        cache_memory_mib: %d
        models:
          - name: chat
            deployments:
              - {provider: openai, base_url: "http://127.0.0.1:9001/v1", model: llama-3-8b}
        """.formatted(cacheMib));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute("check-config", file.toString());
    return new Run(exit, out.toString(), err.toString());
  }
}
