package dev.sluice.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testing.GatewayProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheMemoryFitTest {
  private static final long MIB = 1L << 20;
  /** The heap {@link GatewayProcess} gives the gateway it starts. */
  private static final long PROCESS_HEAP_MIB = 256;

  @TempDir
  Path dir;

  @Test
  void theDefaultBoundFitsTheLaunchersHeap() {
    assertThat(CacheMemoryFit.judge(128 * MIB, 384 * MIB)).isInstanceOf(CacheMemoryFit.Fits.class);
  }

  @Test
  void aBoundOverHalfTheHeapIsTightAndSaysHowMuchHeapWouldDo() {
    var verdict = CacheMemoryFit.judge(256 * MIB, 384 * MIB);

    assertThat(verdict).isInstanceOf(CacheMemoryFit.Tight.class);
    assertThat(((CacheMemoryFit.Tight) verdict).message())
        .contains("cache_memory_mib (256 MiB) is 67% of the JVM's maximum heap (384 MiB)")
        .contains("at least 512 MiB (-Xmx512m in SLUICE_JAVA_OPTS");
    assertThat(CacheMemoryFit.judge(256 * MIB, 512 * MIB)).isInstanceOf(CacheMemoryFit.Fits.class);
  }

  @Test
  void aBoundOverThreeQuartersOfTheHeapIsTooLarge() {
    assertThat(CacheMemoryFit.judge(289 * MIB, 384 * MIB)).isInstanceOf(CacheMemoryFit.TooLarge.class);
    assertThat(CacheMemoryFit.judge(288 * MIB, 384 * MIB)).isInstanceOf(CacheMemoryFit.Tight.class);
    assertThat(CacheMemoryFit.judge(1L << 40, 384 * MIB)).isInstanceOf(CacheMemoryFit.TooLarge.class);
  }

  @Test
  void aHeapWithoutLimitFitsAnyBound() {
    assertThat(CacheMemoryFit.judge(1L << 40, Long.MAX_VALUE)).isInstanceOf(CacheMemoryFit.Fits.class);
  }

  @Test
  void serveRefusesToStartWithACacheBoundItsHeapCannotHold() throws Exception {
    Path config = writeConfig(1024, "m");

    assertThatThrownBy(() -> {
          try (GatewayProcess started = GatewayProcess.start(config, dir, dir.resolve("sluice.log"), Duration.ofSeconds(30))) {
            started.port(); // not expected: it stops again at the end of this block
          }
        })
        .hasMessageContaining("exited with 2")
        .hasMessageContaining("cache_memory_mib (1024 MiB) is 400% of the JVM's maximum heap")
        .hasMessageContaining("-Xmx2048m");
  }

  @Test
  void serveWarnsOfATightBoundAndKeepsItsConfigWhenAReloadAsksForTooMuch() throws Exception {
    Path config = writeConfig(PROCESS_HEAP_MIB * 6 / 10, "before");
    try (GatewayProcess sluice = GatewayProcess.start(config, dir, dir.resolve("sluice.log"), Duration.ofSeconds(30))) {
      assertThat(sluice.log()).contains("a full cache leaves the collector little room");

      writeConfig(PROCESS_HEAP_MIB * 2, "after");
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (!sluice.log().contains("keeping the previous version") && System.nanoTime() < deadline) Thread.sleep(50);

      assertThat(sluice.log()).contains("keeping the previous version").contains("cache_memory_mib (512 MiB)");
      HttpResponse<String> models = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(sluice.url("/v1/models"))).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(models.body()).contains("\"before\"").doesNotContain("\"after\"");
    }
  }

  private Path writeConfig(long cacheMib, String model) throws Exception {
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, """
        listen: 127.0.0.1:0
        cache_memory_mib: %d
        models:
          - name: %s
            deployments:
              - {provider: openai, base_url: "http://127.0.0.1:9/v1", model: x}
        """.formatted(cacheMib, model));
    return file;
  }
}
