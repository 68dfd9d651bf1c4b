package dev.sluice.cli;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice eval cache-replay}: hit rates and avoided cost of the exact cache on a request trace. */
@Command(name = "cache-replay", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Replay a request trace (Mooncake JSON Lines: timestamp, input_length, output_length,",
        "hash_ids) through a gateway with the exact cache on, in front of the emulator, and",
        "print how many calls were answered from the cache or joined, and the cost avoided.",
        "",
        "Example:",
        "  sluice eval cache-replay --data ../shared/data/traces/mooncake/synthetic_trace.jsonl",
        ""})
final class CacheReplayCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--data", required = true, paramLabel = "FILE", description = "the trace (JSON Lines)")
  Path data;

  @Option(names = "--limit", paramLabel = "N", description = "replay the first N rows (default: ${DEFAULT-VALUE})")
  int limit = 1000;

  @Option(names = "--speed", paramLabel = "X", description = "send requests X times faster than recorded; the emulator runs as fast (default: ${DEFAULT-VALUE})")
  double speed = 50;

  @Option(names = "--profile", paramLabel = "NAME", description = "the emulator profile that answers (default: ${DEFAULT-VALUE})")
  String profile = "h100-vllm-llama3-8b";

  @Option(names = "--max-input-tokens", paramLabel = "N", description = "cut prompts to N words (they still differ wherever the full ones would), to fit the emulated model's context and replay faster (default: ${DEFAULT-VALUE})")
  int maxInputTokens = 4_096;

  @Option(names = "--price", paramLabel = "IN/OUT", description = "dollars per million input/output tokens (default: ${DEFAULT-VALUE}, a mini-class API)")
  String price = "0.15/0.60";

  @Override
  public Integer call() {
    return Cli.run(spec.commandLine().getErr(), () -> {
      String[] p = price.split("/");
      if (p.length != 2) throw new IllegalArgumentException("--price must be IN/OUT, such as 0.15/0.60");
      List<CacheReplay.Row> rows = CacheReplay.read(data, limit);
      CacheReplay.Result r = CacheReplay.run(rows, profile, speed, maxInputTokens, p[0], p[1]);
      PrintWriter out = spec.commandLine().getOut();
      out.printf("cache replay of %s: %d requests in %.1f s (%.0fx), emulator %s, $%s/$%s per Mtok%n",
          data.getFileName(), r.requests(), r.wall().toMillis() / 1e3, speed, profile, p[0], p[1]);
      for (String status : List.of("miss", "hit", "joined", "off")) {
        long n = r.byCacheStatus().getOrDefault(status, 0L);
        if (n > 0 || !status.equals("off")) out.printf("  %-8s %7d  %6.2f %%%n", status, n, 100.0 * n / Math.max(1, r.requests()));
      }
      r.failures().forEach((why, n) -> out.printf("  failed   %7d  (%s)%n", n, why));
      out.printf("  upstream calls %d of %d requests%n", r.upstreamCalls(), r.requests());
      out.printf("  spend    $%s%n", r.spendUsd().setScale(6, RoundingMode.HALF_EVEN).toPlainString());
      out.printf("  avoided  $%s  (%s %% of what the requests would have cost without the cache)%n",
          r.avoidedUsd().setScale(6, RoundingMode.HALF_EVEN).toPlainString(),
          r.savingsRatio().multiply(BigDecimal.valueOf(100)).setScale(2, RoundingMode.HALF_EVEN).toPlainString());
      out.flush();
    });
  }
}
