package dev.sluice.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sluice as users run it: {@code sluice serve --config FILE} in a JVM of its own, started from
 * this test JVM's class path, so a test can kill it for real ({@link #kill} is a SIGKILL on
 * Linux: no shutdown hook, no flush). Its log (stderr and stdout) goes to a file; the port comes
 * from its "listening" line, so the config should say {@code listen: 127.0.0.1:0}.
 */
public final class GatewayProcess implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("Sluice listening on http://[^:]+:(\\d+)/v1");

  private final Process process;
  private final Path log;
  private final int port;

  private GatewayProcess(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /** Starts {@code sluice serve --config config} in {@code workDir} and waits until it listens. */
  public static GatewayProcess start(Path config, Path workDir, Path log, Duration timeout) throws IOException,
      InterruptedException {
    return start(config, workDir, log, timeout, Map.of());
  }

  /** The same, with {@code env} added to the process's environment (for the config's {@code ${VAR}}s). */
  public static GatewayProcess start(Path config, Path workDir, Path log, Duration timeout, Map<String, String> env)
      throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), "dev.sluice.cli.Main", "serve", "--config", config.toString())
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().putAll(env);
    Process p = builder.start();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = LISTENING.matcher(Files.readString(log));
      if (m.find()) return new GatewayProcess(p, log, Integer.parseInt(m.group(1)));
      if (!p.isAlive()) throw new IllegalStateException("sluice serve exited with " + p.exitValue() + ":\n" + Files.readString(log));
      Thread.sleep(20);
    }
    p.destroyForcibly();
    throw new IllegalStateException("sluice serve did not listen within " + timeout + ":\n" + Files.readString(log));
  }

  public int port() {
    return port;
  }

  public String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /** Everything the process logged so far. */
  public String log() throws IOException {
    return Files.readString(log);
  }

  /** Kills the process with SIGKILL and waits until it is gone; returns its exit status (137). */
  public int kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) throw new IllegalStateException("the killed gateway is still alive");
    return process.exitValue();
  }

  /** Stops the process the polite way (SIGTERM: its shutdown hook closes the gateway) and waits. */
  @Override
  public void close() throws InterruptedException {
    if (!process.isAlive()) return;
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
  }
}
