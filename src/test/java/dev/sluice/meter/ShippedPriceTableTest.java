package dev.sluice.meter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** The price table shipped inside Sluice: where it comes from, and that it is what it says. */
class ShippedPriceTableTest {
  /** The LiteLLM copy the shipped table is built from, beside the project (absent in a bare checkout). */
  private static final Path SOURCE = Path.of("../shared/data/prices/model_prices.json");
  private static final Path RESOURCE = Path.of("src/main/resources/prices/model_prices.json");

  @Test
  void theShippedTableStatesItsDateSourceAndLicence() throws IOException {
    PriceTable table = PriceTable.shipped();

    assertThat(table.snapshot()).contains(LocalDate.of(2025, 9, 1));
    assertThat(table.source()).contains("AgentOps-AI/tokencost").contains("litellm");
    assertThat(table.size()).isGreaterThan(500);
    try (InputStream licence = PriceTable.class.getResourceAsStream("/prices/LICENSE-SOURCE")) {
      assertThat(licence).isNotNull();
      assertThat(new String(licence.readAllBytes(), StandardCharsets.UTF_8)).startsWith("MIT License");
    }
  }

  @Test
  void theShippedTableIsTheSelectionOfTheSourceDigitForDigit() throws IOException {
    assumeTrue(Files.isRegularFile(SOURCE), "the source price file is not beside the project");
    String built = PriceTableSelection.build(SOURCE);
    if (Boolean.getBoolean("sluice.prices.update")) {
      Files.writeString(RESOURCE, built, StandardCharsets.UTF_8);
    }
    assertThat(Files.readString(RESOURCE, StandardCharsets.UTF_8)).isEqualTo(built);
  }

  @Test
  void everyShippedPriceEqualsTheSourcePriceForTheSameKey() throws IOException {
    assumeTrue(Files.isRegularFile(SOURCE), "the source price file is not beside the project");
    PriceTable full;
    try (InputStream in = Files.newInputStream(SOURCE)) {
      full = PriceTable.parse(in);
    }
    PriceTable shipped = PriceTable.shipped();
    assertThat(full.size()).isGreaterThan(shipped.size());
    assertThat(shipped.keys()).contains("gpt-4o", "claude-sonnet-4-20250514", "deepseek-chat", "gemini/gemini-2.5-pro");
    for (String key : shipped.keys()) {
      assertThat(shipped.get(key)).as(key).isEqualTo(full.get(key));
    }
  }
}
