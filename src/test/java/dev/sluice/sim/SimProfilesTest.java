package dev.sluice.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.sim.profile.CalibrationPoint;
import dev.sluice.sim.profile.Citation;
import dev.sluice.sim.profile.Pricing;
import dev.sluice.sim.profile.Profile;
import dev.sluice.sim.profile.ProfileException;
import dev.sluice.sim.profile.ProfileLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The shipped profiles: complete, strictly parsed, and every number cited to a source that exists. */
class SimProfilesTest {
  /** Sluice's calibration data, next to the repository (../shared/data/perf). */
  private static final Path CALIBRATION = Path.of(System.getProperty("sluice.calibration", "../shared/data/perf/calibration.csv"));

  @Test
  void exactlyTheShippedProfilesExistAndLoad() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("src/main/resources/sim/profiles"))) {
      assertThat(files.map(f -> f.getFileName().toString().replace(".yaml", "")).sorted().toList())
          .containsExactlyInAnyOrderElementsOf(ProfileLoader.SHIPPED);
    }
    assertThat(ProfileLoader.SHIPPED).containsExactly("h100-vllm-llama3-8b", "a100-vllm-llama3-8b", "l4-vllm-llama3-8b",
        "h100x4-vllm-llama3-70b", "cpu-llamacpp-llama3.2-3b", "edge-orin-llama3.2-1b", "api-frontier", "api-mini");
    for (Profile p : ProfileLoader.shipped()) {
      assertThat(p.citations()).as(p.name()).isNotEmpty();
      assertThat(p.citations()).allSatisfy(c -> assertThat(c.source()).isNotBlank());
      assertThat(p.calibration()).as(p.name() + " is checked against published figures").isNotEmpty();
    }
  }

  @Test
  void everyFittedGpuProfileNamesItsRowsAndChecksThem() {
    for (Profile p : ProfileLoader.shipped()) {
      if (!p.kind().equals("gpu") || p.name().startsWith("l4-")) continue;
      assertThat(p.fittedTo()).as(p.name()).isNotEmpty();
      List<String> checked = p.calibration().stream()
          .filter(c -> c.check() != CalibrationPoint.Check.REFERENCE).map(CalibrationPoint::row).toList();
      assertThat(checked).as(p.name() + ": every fitted row is a checked point").containsAll(p.fittedTo());
      assertThat(p.calibration().stream().map(CalibrationPoint::measure))
          .as(p.name() + " is checked on throughput and on per-token latency")
          .contains(CalibrationPoint.Measure.MEAN_TPOT_MS)
          .containsAnyOf(CalibrationPoint.Measure.OUTPUT_THROUGHPUT, CalibrationPoint.Measure.REQUEST_THROUGHPUT);
    }
    Profile l4 = ProfileLoader.load("l4-vllm-llama3-8b");
    assertThat(l4.calibration().stream().map(CalibrationPoint::row)).contains("L8-02", "L8-09");
  }

  @Test
  void everyCitedRowExistsInTheCalibrationDataAndPublishedValuesMatchIt() throws IOException {
    Assumptions.assumeTrue(Files.isRegularFile(CALIBRATION), "calibration data not found at " + CALIBRATION);
    Map<String, String> rows = new HashMap<>();
    for (String line : Files.readAllLines(CALIBRATION)) {
      int comma = line.indexOf(',');
      if (comma > 0) rows.put(line.substring(0, comma), line);
    }
    for (Profile p : ProfileLoader.shipped()) {
      for (Citation c : p.citations()) {
        for (String id : c.rowIds()) assertThat(rows).as(p.name() + " " + c.path() + " cites " + id).containsKey(id);
      }
      for (String id : p.fittedTo()) assertThat(rows).as(p.name() + " fitted_to").containsKey(id);
      for (CalibrationPoint point : p.calibration()) {
        String row = rows.get(point.row());
        assertThat(row).as(p.name() + " point " + point.row()).isNotNull();
        if (point.note().contains("derived") || point.note().contains("bound")) continue;
        assertThat(numbers(row)).as(p.name() + ": " + point.row() + " states " + point.published())
            .anySatisfy(x -> assertThat(Math.abs(x - point.published()) <= 0.02 * point.published()
                || Math.abs(x * 1000 - point.published()) <= 0.02 * point.published()).isTrue());
      }
    }
  }

  private static List<Double> numbers(String text) {
    Matcher m = Pattern.compile("\\d[\\d,]*(?:\\.\\d+)?").matcher(text);
    List<Double> out = new java.util.ArrayList<>();
    while (m.find()) out.add(Double.parseDouble(m.group().replace(",", "")));
    return out;
  }

  @Test
  void pricesAreKeptInIntegerMicroDollars() {
    Pricing.PerToken mini = (Pricing.PerToken) ProfileLoader.load("api-mini").pricing();
    assertThat(mini.inputMicroUsdPerMTok()).isEqualTo(150_000);
    // 1M prompt tokens of which 400k cached, 100k output: 0.6 x 0.15 + 0.4 x 0.075 + 0.1 x 0.60 = 0.18 USD.
    assertThat(mini.costNanoUsd(1_000_000, 400_000, 100_000)).isEqualTo(180_000_000L);
    Pricing.Hourly h100 = (Pricing.Hourly) ProfileLoader.load("h100-vllm-llama3-8b").pricing();
    assertThat(h100.costNanoUsd(3_600_000_000_000L)).isEqualTo(3_990_000_000L);
    assertThat(h100.describe()).isEqualTo("$3.99/h");
  }

  @Test
  void aProfileWithATypoOrAnUncitedNumberIsRejectedWithEveryProblem() {
    String yaml = """
        name: mine
        kind: gpu
        hardware: x
        model: y
        engine: z
        served_model: m
        cost: {usd_per_hour: {value: 1.0, source: "my invoice"}}
        batching:
          policy: chunked
          max_num_seqs: 8
          max_batched_tokens: {value: 2048, source: s}
          max_model_len: {value: 4096, source: s}
          kv_cache_tokens: {value: 100000, source: s}
          block_tokens: {value: 16, source: s}
          step:
            overhead_ms: {value: 1, source: s}
            per_seq_ms: {value: 0, source: s}
            weights_read_ms: {value: 5, source: s}
            kv_read_ms_per_1k_tokens: {value: 0.1, source: ""}
            compute_ms_per_token: {value: 0.05, source: s}
        content:
          answer_median_tokens: {value: 100, source: s}
          answer_sigma: {value: 1, source: s}
          embedding_dimensions: {value: 8, source: s}
          answer_lenght: 3
        """;
    assertThatThrownBy(() -> ProfileLoader.parse("mine.yaml", yaml))
        .isInstanceOf(ProfileException.class)
        .hasMessageContaining("'batching.max_num_seqs' must be {value: <number>, source:")
        .hasMessageContaining("'batching.step.kv_read_ms_per_1k_tokens.source' must cite")
        .hasMessageContaining("unknown key 'content.answer_lenght'");
  }

  @Test
  void aProfileFileCanBeCopiedEditedAndLoadedByPath(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
    String text;
    try (var in = getClass().getClassLoader().getResourceAsStream("sim/profiles/api-mini.yaml")) {
      text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    Path copy = dir.resolve("my-api.yaml");
    Files.writeString(copy, text.replace("name: api-mini", "name: my-api"));
    Profile p = ProfileLoader.load(copy.toString());
    assertThat(p.name()).isEqualTo("my-api");
    assertThat(p.origin()).isEqualTo(copy.toString());
    assertThatThrownBy(() -> ProfileLoader.load("no-such-profile"))
        .isInstanceOf(ProfileException.class).hasMessageContaining("h100-vllm-llama3-8b");
  }
}
