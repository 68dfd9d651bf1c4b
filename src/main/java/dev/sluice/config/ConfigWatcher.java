package dev.sluice.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the config file and hands each new valid version to {@code onChange}. Polls the file's
 * content (not just its timestamp, which editors and volume mounts make unreliable); a version with
 * errors is logged and skipped, and the gateway keeps the last good one.
 */
public final class ConfigWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

  private final Path file;
  private final ConfigLoader loader;
  private final Consumer<GatewayConfig> onChange;
  private final Duration interval;
  private final Thread thread;
  private volatile boolean running = true;
  private byte[] lastDigest;

  public ConfigWatcher(Path file, ConfigLoader loader, Duration interval, Consumer<GatewayConfig> onChange) {
    this.file = file;
    this.loader = loader;
    this.interval = interval;
    this.onChange = onChange;
    this.lastDigest = digest();
    this.thread = Thread.ofVirtual().name("sluice-config-watcher").unstarted(this::loop);
  }

  public ConfigWatcher start() {
    thread.start();
    return this;
  }

  private void loop() {
    while (running) {
      try {
        Thread.sleep(interval);
      } catch (InterruptedException e) {
        return;
      }
      checkOnce();
    }
  }

  /** Checks the file now; returns true when a new valid config was applied. */
  public boolean checkOnce() {
    byte[] d = digest();
    if (d == null || Arrays.equals(d, lastDigest)) return false;
    lastDigest = d;
    try {
      GatewayConfig config = loader.load(file);
      onChange.accept(config);
      log.info("config: reloaded {} ({} models)", file, config.models().size());
      return true;
    } catch (ConfigException e) {
      log.error("config: {} changed but cannot be used; keeping the previous version.\n{}", file, e.getMessage());
      return false;
    } catch (RuntimeException e) {
      log.error("config: reloading {} failed; keeping the previous version", file, e);
      return false;
    }
  }

  private byte[] digest() {
    try {
      return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    } catch (IOException e) {
      return null;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
