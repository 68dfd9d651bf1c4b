package dev.sluice.cli;

import dev.sluice.config.Durations;
import dev.sluice.demo.Demo;
import dev.sluice.demo.DemoSummary;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code sluice demo}: Sluice in front of emulated backends, under a built-in workload, then a summary. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "See Sluice at work in about a minute, with no model, GPU or API key:",
        "starts emulated backends (a GPU pool, a CPU pool, a cloud API), Sluice in front of them with",
        "the response cache, a cascade, budgets and the agent-run guard switched on (the config is",
        "demo/sluice-demo.yaml in the jar; --print-config shows it),",
        "and a built-in workload: chat users asking repeated questions, agents (some stuck in loops),",
        "background jobs. Then it prints a summary read from the usage ledger and the dashboard's",
        "address, and keeps serving until Ctrl-C."})
final class DemoCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--duration", paramLabel = "TIME", defaultValue = "60s",
      description = "how long the workload runs, e.g. 30s or 2m (default: ${DEFAULT-VALUE})")
  String duration;

  @Option(names = "--exit", description = "stop after the summary instead of serving until Ctrl-C")
  boolean exit;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080",
      description = "port of Sluice on 127.0.0.1; a free one is used if it is taken (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--store", paramLabel = "STORE",
      description = "keep the demo's ledger in this store (sqlite:PATH); by default a fresh one, removed at the end")
  String store;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "seed of the workload (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--print-config", description = "print the demo's config file and exit")
  boolean printConfig;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (printConfig) {
      out.print(Demo.configText());
      return 0;
    }
    Duration length = Durations.parse(duration).orElseThrow(
        () -> new ParameterException(spec.commandLine(), "--duration must be a duration such as 30s or 2m, got '" + duration + "'"));
    if (length.isZero() || length.isNegative()) throw new ParameterException(spec.commandLine(), "--duration must be positive");

    err.println("sluice demo: starting emulated backends (GPU pool, CPU pool, cloud API) and Sluice...");
    err.flush();
    Demo demo;
    try {
      demo = Demo.start(new Demo.Options(length, port, store, seed));
    } catch (RuntimeException e) {
      err.println("sluice demo: " + e.getMessage());
      err.flush();
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread onCtrlC = new Thread(() -> {
      demo.close();
      stopped.countDown();
    });
    Runtime.getRuntime().addShutdownHook(onCtrlC);
    err.printf(Locale.ROOT, "sluice demo: Sluice is at %s; running the workload for %s%n", demo.baseUrl(), duration);
    err.flush();
    Thread progress = Thread.ofPlatform().daemon().name("sluice-demo-progress").start(() -> showProgress(demo, length, err));
    long started = System.nanoTime();
    DemoSummary summary;
    try {
      demo.runWorkload();
      progress.interrupt();
      progress.join();
      summary = demo.summary();
    } catch (RuntimeException e) {
      progress.interrupt();
      err.println("sluice demo: " + e.getMessage());
      err.flush();
      demo.close();
      return 1;
    }
    long seconds = Math.round((System.nanoTime() - started) / 1e9);
    out.println();
    out.printf(Locale.ROOT, "Sluice demo: %d s of traffic, as the usage ledger records it%n%n", seconds);
    summary.print(out);
    out.println();
    out.println("Dashboard   " + demo.dashboardUrl() + "   (sign in with the admin key " + demo.adminKey() + ")");
    out.println("Metrics     http://127.0.0.1:" + demo.gateway().port() + "/metrics   (same key)");
    out.println("API         " + demo.baseUrl());
    out.flush();
    if (exit) {
      Runtime.getRuntime().removeShutdownHook(onCtrlC);
      demo.close();
      return 0;
    }
    out.println();
    out.println("Sluice keeps serving the emulated backends; press Ctrl-C to stop.");
    out.flush();
    stopped.await();
    return 0;
  }

  /** A progress bar on stderr: redrawn in place on a terminal, a line every 10 s otherwise, and a last one at the end. */
  private static void showProgress(Demo demo, Duration length, PrintWriter err) {
    boolean terminal = System.console() != null;
    long start = System.nanoTime();
    long lastLine = -1;
    try {
      while (!Thread.currentThread().isInterrupted()) {
        long elapsed = System.nanoTime() - start;
        if (terminal) {
          err.print("\r" + bar(demo, elapsed, length));
        } else if (elapsed < length.toNanos() && elapsed / 10_000_000_000L != lastLine) {
          lastLine = elapsed / 10_000_000_000L;
          err.println(bar(demo, elapsed, length));
        }
        err.flush();
        Thread.sleep(terminal ? 250 : 1000);
      }
    } catch (InterruptedException e) {
      // the workload ended
    }
    err.println((terminal ? "\r" : "") + bar(demo, length.toNanos(), length));
    err.flush();
  }

  private static String bar(Demo demo, long elapsedNanos, Duration length) {
    long total = length.toNanos();
    long elapsed = Math.min(total, elapsedNanos);
    int width = 30;
    int filled = (int) (width * elapsed / total);
    return String.format(Locale.ROOT, "[%s%s] %3d%%  %3ds/%ds  %,d requests", "#".repeat(filled), ".".repeat(width - filled),
        100 * elapsed / total, elapsed / 1_000_000_000L, total / 1_000_000_000L, demo.requestsSent());
  }
}
