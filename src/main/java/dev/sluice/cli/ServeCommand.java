package dev.sluice.cli;

import dev.sluice.Gateway;
import dev.sluice.config.ConfigException;
import dev.sluice.config.ConfigLoader;
import dev.sluice.config.ConfigWatcher;
import dev.sluice.config.EnvironmentConfig;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice serve}: runs the gateway until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {
        "Run the gateway (default 127.0.0.1:8080).",
        "Without --config it reads ./sluice.yaml if present, else builds a config from the environment:",
        "OPENAI_API_KEY, ANTHROPIC_API_KEY, SLUICE_OPENAI_COMPATIBLE_URL (any vLLM, llama.cpp, Ollama or TGI server),",
        "SLUICE_ADMIN_KEY, SLUICE_LISTEN; the in-process embedding model all-minilm-l6-v2 is always served."})
final class ServeCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger("sluice");

  @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "the YAML config file (reloaded when it changes)")
  Path config;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "override the listen address of the config")
  String listen;

  @Override
  public Integer call() throws InterruptedException {
    Path file = config;
    if (file == null && Files.isRegularFile(Path.of("sluice.yaml"))) {
      file = Path.of("sluice.yaml");
      log.info("using ./sluice.yaml");
    }
    GatewayConfig gatewayConfig;
    ConfigLoader loader = ConfigLoader.fromEnvironment();
    try {
      if (file != null) {
        gatewayConfig = loader.load(file);
      } else {
        EnvironmentConfig.Result result = EnvironmentConfig.build(System::getenv);
        log.info("no config file: building one from the environment");
        result.findings().forEach(f -> log.info("  {}", f));
        gatewayConfig = result.config();
      }
      gatewayConfig = effective(gatewayConfig);
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      return 2;
    }

    Gateway gateway;
    try {
      gateway = Gateway.start(gatewayConfig);
    } catch (RuntimeException e) {
      System.err.println("sluice: " + e.getMessage());
      return 1;
    }
    List<String> names = new ArrayList<>();
    for (ModelConfig m : gatewayConfig.models()) names.add(m.name());
    log.info("Sluice listening on http://{}:{}/v1 ({} {}: {})", gatewayConfig.listen().host(), gateway.port(),
        names.size(), names.size() == 1 ? "model" : "models", String.join(", ", names));

    ConfigWatcher watcher = null;
    if (file != null) {
      GatewayConfig base = gatewayConfig;
      watcher = new ConfigWatcher(file, loader, Duration.ofSeconds(1),
          c -> gateway.reload(effective(c))).start();
      if (base.adminKey().isEmpty()) {
        log.info("no admin_key: /v1 accepts calls without a key, admin endpoints are off (set admin_key to enable them)");
      }
    }
    CountDownLatch stopped = new CountDownLatch(1);
    ConfigWatcher w = watcher;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down");
      if (w != null) w.close();
      gateway.close();
      stopped.countDown();
    }));
    stopped.await();
    return 0;
  }

  /**
   * The config this process serves from a loaded one, at start and on every reload alike: with
   * {@code --listen} applied, and refused (a {@link ConfigException}) when its cache bound cannot fit
   * the heap.
   */
  private GatewayConfig effective(GatewayConfig c) {
    return CacheHeapCheck.require(listen != null ? withListen(c, listen) : c, ServeCommand::warn);
  }

  private static void warn(String message) {
    log.warn("config: {}", message);
  }

  private static GatewayConfig withListen(GatewayConfig c, String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) throw new ConfigException("--listen", List.of("--listen must be host:port, got '" + hostPort + "'"));
    GatewayConfig.Listen l;
    try {
      l = new GatewayConfig.Listen(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new ConfigException("--listen", List.of("--listen has an invalid port: '" + hostPort + "'"));
    }
    if (!l.isLoopback() && c.adminKey().isEmpty()) {
      throw new ConfigException("--listen", List.of("--listen " + l + " is beyond loopback, but no admin key is set: set admin_key"));
    }
    return c.withListen(l);
  }
}
