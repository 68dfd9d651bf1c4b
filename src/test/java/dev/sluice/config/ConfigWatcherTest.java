package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigWatcherTest {

  @Test
  void aValidChangeIsAppliedAndABrokenOneIsSkipped(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, "models:\n  - name: a\n    deployments: [{provider: openai}]\n");
    List<GatewayConfig> applied = new ArrayList<>();
    ConfigWatcher watcher = new ConfigWatcher(file, new ConfigLoader(Map.<String, String>of()::get), Duration.ofHours(1), applied::add);

    assertThat(watcher.checkOnce()).as("unchanged").isFalse();

    Files.writeString(file, "models:\n  - name: b\n    deployments: [{provider: openai}]\n");
    assertThat(watcher.checkOnce()).isTrue();
    assertThat(applied).singleElement().extracting(c -> c.models().getFirst().name()).isEqualTo("b");

    Files.writeString(file, "models:\n  - name: c\n    deployments: [{provider: openai, colour: red}]\n");
    assertThat(watcher.checkOnce()).as("broken").isFalse();
    assertThat(applied).hasSize(1);
    watcher.close();
  }
}
