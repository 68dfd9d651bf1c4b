package dev.sluice.cli;

import dev.sluice.Gateway;
import dev.sluice.config.ConfigLoader;
import dev.sluice.provider.local.Embedder;
import dev.sluice.provider.local.MiniLm;
import dev.sluice.runs.LoopCheck;
import dev.sluice.runs.RunsConfig.LoopSimilarity;
import dev.sluice.runs.loop.EmbeddingLoopCheck;
import dev.sluice.runs.loop.LexicalSimilarity;
import dev.sluice.runs.loop.LoopDetector;
import dev.sluice.runs.loop.LoopSettings;
import dev.sluice.runs.loop.eval.AgentDriver;
import dev.sluice.runs.loop.eval.CheckingModel;
import dev.sluice.runs.loop.eval.GatewayModel;
import dev.sluice.runs.loop.eval.LoopEval;
import dev.sluice.runs.loop.eval.Scenario;
import dev.sluice.runs.loop.eval.ScriptedModel;
import dev.sluice.sim.profile.Profile;
import dev.sluice.sim.profile.ProfileLoader;
import dev.sluice.sim.server.SimOptions;
import dev.sluice.sim.server.SimServer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code sluice eval loops}: plays the stuck and legitimate agent scenarios against the loop detector. */
@Command(name = "loops", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Play scripted stuck and legitimate agents against the loop detector and print,",
        "per scenario, caught / missed / false alarm, the calls made, and the calls of the loop",
        "that got through before the refusal; then the totals. Exits 1 unless every stuck agent",
        "is caught within K calls of its loop and no legitimate one is stopped."})
final class EvalLoopsCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--data", paramLabel = "DIR",
      description = "a directory of scenario files (*.yaml); default: the shipped agents/stuck.yaml and agents/legit.yaml")
  Path data;

  @Option(names = "--repeat-threshold", paramLabel = "K", description = "K, as runs.loops.repeat_threshold (default: ${DEFAULT-VALUE})")
  int repeatThreshold = LoopSettings.DEFAULT.repeatThreshold();

  @Option(names = "--similarity", paramLabel = "KIND",
      description = "near-duplicates by minilm (the in-process model), lexical (character trigrams) or off (default: ${DEFAULT-VALUE})")
  LoopSimilarity similarity = LoopSimilarity.MINILM;

  @Option(names = "--through-gateway",
      description = {"play the agents end to end: through an in-process Sluice (its run guard, loop verdict stop,",
          "runs.loops.similarity as --similarity says) in front of an in-process emulator, with X-Sluice-Run",
          "headers; refusals are run_loop_detected. --similarity-threshold does not apply"})
  boolean throughGateway;

  @Option(names = "--similarity-threshold", paramLabel = "X",
      description = "the near-duplicate threshold (default: 0.9 for minilm, 0.8 for lexical)")
  Double threshold;

  @Override
  public Integer call() {
    return Cli.run(spec.commandLine().getErr(), () -> {
      PrintWriter out = spec.commandLine().getOut();
      List<Scenario> scenarios = data == null ? LoopEval.shipped() : LoopEval.load(data);
      if (throughGateway) {
        List<LoopEval.Row> rows = throughGateway(scenarios, out);
        out.print(LoopEval.report(rows, repeatThreshold));
        out.flush();
        if (!LoopEval.allGood(rows)) throw new IllegalStateException("not every scenario went as expected");
        return;
      }
      double x = threshold != null ? threshold : similarity == LoopSimilarity.LEXICAL ? LexicalSimilarity.THRESHOLD : LoopSettings.DEFAULT.similarityThreshold();
      LoopSettings settings = LoopSettings.DEFAULT.withRepeatThreshold(repeatThreshold)
          .withSimilarity(similarity != LoopSimilarity.OFF, x);
      Embedder embedder = similarity == LoopSimilarity.MINILM ? MiniLm.start() : null;
      try {
        LoopCheck check = embedder == null
            ? LoopDetector.lexical(settings)
            : blocking(new EmbeddingLoopCheck(settings, embedder, 10_000));
        out.println("offline: the scripted model behind the loop detector (K=" + settings.repeatThreshold()
            + ", window " + settings.window() + ", similarity " + similarity.name().toLowerCase()
            + (similarity == LoopSimilarity.OFF ? "" : " >= " + x) + ")");
        List<LoopEval.Row> rows = LoopEval.play(scenarios, new CheckingModel(new ScriptedModel(), check,
            settings.window()), new AgentDriver("scripted"), settings.repeatThreshold(), "eval-");
        out.print(LoopEval.report(rows, settings.repeatThreshold()));
        out.flush();
        if (!LoopEval.allGood(rows)) throw new IllegalStateException("not every scenario went as expected");
      } finally {
        if (embedder != null) embedder.close();
      }
    });
  }

  /**
   * Plays the scenarios through a gateway started here, in front of an emulator started here: the
   * agent model {@code agent} is the emulator; {@code down}, for the scenarios' failing calls, points
   * at a closed port. Each scenario is its own run; loops are refused (verdict {@code stop}).
   */
  private List<LoopEval.Row> throughGateway(List<Scenario> scenarios, PrintWriter out) throws Exception {
    Path dir = Files.createTempDirectory("sluice-eval-loops");
    String key = "sk-eval-loops-admin-key";
    Profile profile = ProfileLoader.load(PROFILE);
    try (SimServer sim = SimServer.start(profile, SimOptions.defaults().withSpeedup(1000))) {
      String yaml = """
          listen: 127.0.0.1:0
          admin_key: %s
          store: sqlite:%s
          runs:
            max_calls: 1000
            loops: {verdict: stop, repeat_threshold: %d, similarity: %s}
          models:
            - name: agent
              retry: {max_retries: 0}
              deployments: [{provider: openai, base_url: "%s", model: "%s"}]
            - name: down
              retry: {max_retries: 0}
              deployments: [{provider: openai, base_url: "http://127.0.0.1:9/v1", model: down}]
          """.formatted(key, dir.resolve("ledger.db"), repeatThreshold, similarity.name().toLowerCase(Locale.ROOT),
          sim.baseUrl(), profile.servedModel());
      try (Gateway gateway = Gateway.start(new ConfigLoader(Map.<String, String>of()::get).parse("eval-loops", yaml))) {
        out.println("end to end: the scripted agents -> Sluice (run guard, loop verdict stop, K=" + repeatThreshold
            + ", similarity " + similarity.name().toLowerCase(Locale.ROOT) + ") -> emulator (" + PROFILE + ")");
        out.flush();
        String run = "eval-" + Long.toHexString(System.nanoTime()) + "-";
        return LoopEval.play(scenarios, new GatewayModel("http://127.0.0.1:" + gateway.port() + "/v1", key, "down"),
            new AgentDriver("agent"), repeatThreshold, run);
      }
    } finally {
      try (var files = Files.list(dir)) {
        files.forEach(f -> f.toFile().delete());
      }
      Files.deleteIfExists(dir);
    }
  }

  /** The emulator profile the agents' model runs on. */
  private static final String PROFILE = "h100-vllm-llama3-8b";

  /** The asynchronous check waited for: the command runs on its own thread, not on an event loop. */
  private static LoopCheck blocking(EmbeddingLoopCheck check) {
    return (history, next) -> check.inspectAsync(history, next).await();
  }
}
