package dev.sluice.cli;

import dev.sluice.sim.content.Dataset;
import dev.sluice.sim.fault.FaultSpec;
import dev.sluice.sim.profile.Profile;
import dev.sluice.sim.profile.ProfileException;
import dev.sluice.sim.profile.ProfileLoader;
import dev.sluice.sim.server.SimOptions;
import dev.sluice.sim.server.SimServer;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sluice sim}: runs emulated inference servers until interrupted, or lists the shipped profiles. */
@Command(name = "sim", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Run emulated inference servers: OpenAI-compatible endpoints whose timing",
        "follows a hardware profile's performance model (batching, KV cache, prefix",
        "cache, rate limits, faults), with vLLM-style /metrics. No GPU or model needed.",
        "",
        "Endpoints: POST /v1/chat/completions, /v1/completions, /v1/embeddings;",
        "GET /v1/models, /metrics, /health.",
        "",
        "Examples:",
        "  sluice sim --profile h100-vllm-llama3-8b --port 9001",
        "  sluice sim --profile h100-vllm-llama3-8b:9001 --profile api-mini:9002",
        "  sluice sim --profile my-copy.yaml --speedup 10",
        "  sluice sim --list",
        "",
        "Per-request headers:",
        "  X-Sluice-Sim-Fault  500, 429[:SECONDS], hang, reset[:TOKENS], slow[:MS ms],",
        "                      malformed, outage[:SECONDS] or none",
        "  X-Sluice-Sim-Tools  a tool-call script, e.g. call:search{\"q\":\"x\"}*",
        "  X-Sluice-Sim-Row    the dataset row to answer with, e.g. mmlu_anatomy:12",
        "See docs/emulator.md.",
        ""},
    subcommands = {SimPlotCommand.class, SimFaithfulnessCommand.class})
final class SimCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger("sluice");

  @Spec
  CommandSpec spec;

  @Option(names = {"-p", "--profile"}, paramLabel = "NAME[:PORT]",
      description = "a shipped profile name or a profile YAML file, optionally with its port; repeat to run several")
  List<String> profiles = new ArrayList<>();

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "9001",
      description = "port of the first profile without one; later ones take the next ports (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE})")
  String host;

  @Option(names = "--list", description = "print the shipped profiles, one line each (hardware, model, cost), and exit")
  boolean list;

  @Option(names = "--speedup", paramLabel = "FACTOR", defaultValue = "1",
      description = "run emulated time FACTOR times faster than the wall clock (default: ${DEFAULT-VALUE})")
  double speedup;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
      description = "seed of generated text, fault draws and API timings (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--dataset", paramLabel = "PATH",
      description = "answer from recorded responses (CSV or JSON Lines files, or a directory of them) instead of generated text")
  List<Path> dataset = new ArrayList<>();

  @Option(names = "--dataset-column", paramLabel = "[PROFILE=]COLUMN",
      description = "the dataset column saying whether an answer is correct, for all profiles or for one (repeatable)")
  List<String> datasetColumns = new ArrayList<>();

  @Option(names = "--dataset-response-column", paramLabel = "COLUMN", description = "the dataset column holding answer text, if any")
  String responseColumn;

  @Option(names = "--fault", paramLabel = "KIND=RATE", description = {
      "inject a fault into a share of requests, replacing the profile's rates (repeatable);",
      "KIND is 500, 429, hang, reset, malformed or slow, e.g. --fault 500=0.01 --fault 429=0.02"})
  Map<String, Double> faults = new LinkedHashMap<>();

  @Option(names = "--outage", paramLabel = "START:DURATION[:EVERY]",
      description = "answer 503 for DURATION seconds from START seconds after start (every EVERY seconds), in emulated time")
  List<String> outages = new ArrayList<>();

  @Override
  public Integer call() throws InterruptedException {
    if (list) {
      printList(spec.commandLine().getOut());
      return 0;
    }
    if (profiles.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "Give at least one --profile NAME[:PORT] (see --list), or --list.");
    }
    if (!(speedup > 0)) throw new ParameterException(spec.commandLine(), "--speedup must be positive, got " + speedup);
    FaultSpec faultSpec = faultSpec();
    List<Profile> loaded = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    int next = port;
    try {
      for (String p : profiles) {
        int colon = p.lastIndexOf(':');
        String name = p;
        int chosen;
        if (colon > 0 && p.substring(colon + 1).matches("\\d{1,5}")) {
          name = p.substring(0, colon);
          chosen = Integer.parseInt(p.substring(colon + 1));
        } else {
          chosen = next++;
        }
        loaded.add(ProfileLoader.load(name));
        ports.add(chosen);
      }
    } catch (ProfileException e) {
      System.err.println("sluice sim: " + e.getMessage());
      return 2;
    }
    if (!host.equals("127.0.0.1") && !host.equals("localhost") && !host.equals("::1")) {
      log.warn("listening on {}: the emulator has no authentication; anyone who can reach it can use it", host);
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(Math.max(1, loaded.size())));
    List<SimServer> servers = new ArrayList<>();
    try {
      for (int i = 0; i < loaded.size(); i++) {
        Profile p = loaded.get(i);
        SimOptions options = new SimOptions(host, ports.get(i), seed, speedup, dataset(p), faultSpec);
        SimServer s = SimServer.start(vertx, p, options);
        servers.add(s);
        log.info("serving {} on http://{}:{}/v1 as model '{}' ({}, {}; {}){}{}", p.name(), host, s.port(), p.servedModel(),
            p.hardware(), p.model(), p.pricing().describe(), speedup == 1 ? "" : String.format(Locale.ROOT, ", speedup %sx", trim(speedup)),
            options.dataset() == null ? "" : ", dataset " + options.dataset());
      }
    } catch (RuntimeException e) {
      System.err.println("sluice sim: " + e.getMessage());
      servers.forEach(SimServer::close);
      vertx.close();
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("stopping {} emulated server(s)", servers.size());
      servers.forEach(SimServer::close);
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
      stopped.countDown();
    }));
    stopped.await();
    return 0;
  }

  private Dataset dataset(Profile p) {
    if (dataset.isEmpty()) return null;
    String column = null;
    for (String c : datasetColumns) {
      int eq = c.indexOf('=');
      if (eq < 0 && column == null) column = c;
      if (eq > 0 && c.substring(0, eq).equals(p.name())) column = c.substring(eq + 1);
    }
    if (column == null) {
      throw new ParameterException(spec.commandLine(), "--dataset needs --dataset-column COLUMN (or PROFILE=COLUMN) for profile " + p.name());
    }
    try {
      return Dataset.load(dataset, column, responseColumn);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  private FaultSpec faultSpec() {
    if (faults.isEmpty() && outages.isEmpty()) return null;
    double e500 = 0, e429 = 0, hang = 0, reset = 0, malformed = 0, slow = 0;
    for (var f : faults.entrySet()) {
      double r = f.getValue();
      if (!(r >= 0 && r <= 1)) throw new ParameterException(spec.commandLine(), "--fault " + f.getKey() + "=" + r + ": the rate must be between 0 and 1");
      switch (f.getKey()) {
        case "500" -> e500 = r;
        case "429" -> e429 = r;
        case "hang" -> hang = r;
        case "reset" -> reset = r;
        case "malformed" -> malformed = r;
        case "slow" -> slow = r;
        default -> throw new ParameterException(spec.commandLine(),
            "--fault " + f.getKey() + ": unknown kind; use 500, 429, hang, reset, malformed or slow");
      }
    }
    List<FaultSpec.Outage> windows = new ArrayList<>();
    for (String o : outages) {
      String[] parts = o.split(":");
      try {
        if (parts.length < 2 || parts.length > 3) throw new NumberFormatException();
        windows.add(new FaultSpec.Outage(Double.parseDouble(parts[0]), Double.parseDouble(parts[1]),
            parts.length == 3 ? Double.parseDouble(parts[2]) : 0));
      } catch (NumberFormatException e) {
        throw new ParameterException(spec.commandLine(), "--outage " + o + ": expected START:DURATION[:EVERY] in seconds");
      }
    }
    try {
      return new FaultSpec(e500, e429, hang, reset, malformed, slow, FaultSpec.NONE.slowTokenDelayMs(),
          FaultSpec.NONE.resetAfterTokens(), FaultSpec.NONE.retryAfterSeconds(), windows);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /** One line per shipped profile: name, kind, hardware, model, cost. */
  static void printList(java.io.PrintWriter out) {
    List<Profile> all = ProfileLoader.shipped();
    int w = all.stream().mapToInt(p -> p.name().length()).max().orElse(10);
    int hw = all.stream().mapToInt(p -> p.hardware().length()).max().orElse(10);
    int mw = all.stream().mapToInt(p -> p.model().length()).max().orElse(10);
    for (Profile p : all) {
      out.println(String.format(Locale.ROOT, "%-" + w + "s  %-4s  %-" + hw + "s  %-" + mw + "s  %s", p.name(), p.kind(), p.hardware(),
          p.model(), p.pricing().describe()));
    }
    out.flush();
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
