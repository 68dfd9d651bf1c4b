package dev.sluice.demo;

import dev.sluice.sim.profile.Profile;
import dev.sluice.sim.profile.ProfileLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import dev.sluice.sim.server.SimOptions;
import dev.sluice.sim.server.SimServer;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The demo's emulated backends, in this process on free ports: a GPU pool (an H100 running vLLM
 * with Llama 3 8B), a CPU pool (llama.cpp with Llama 3.2 3B) and a cloud API (GPT-4o class). Each
 * one's base URL is handed to the demo config as a variable.
 */
final class DemoBackends implements AutoCloseable {
  /** Config variable -> shipped emulator profile. */
  static final Map<String, String> PROFILES = Map.of(
      "DEMO_GPU_URL", "h100-vllm-llama3-8b",
      "DEMO_CPU_URL", "cpu-llamacpp-llama3.2-3b",
      "DEMO_API_URL", "api-frontier");

  private final Vertx vertx;
  private final List<SimServer> servers = new ArrayList<>();
  private final Map<String, String> urls = new LinkedHashMap<>();

  private DemoBackends(Vertx vertx) {
    this.vertx = vertx;
  }

  static DemoBackends start(long seed) {
    DemoBackends b = new DemoBackends(Vertx.vertx(new VertxOptions().setEventLoopPoolSize(PROFILES.size())));
    try {
      for (var e : PROFILES.entrySet()) {
        SimServer s = SimServer.start(b.vertx, profile(e.getValue()), SimOptions.defaults().withSeed(seed));
        b.servers.add(s);
        b.urls.put(e.getKey(), s.baseUrl());
      }
    } catch (RuntimeException e) {
      b.close();
      throw e;
    }
    return b;
  }

  /**
   * A shipped profile; the cloud API's with the rate limits of a higher usage tier than the
   * shipped tier 1 (30,000 tokens per minute), which the demo's minute of traffic would exceed.
   */
  static Profile profile(String name) {
    if (!name.startsWith("api-")) return ProfileLoader.load(name);
    String yaml;
    try (InputStream in = DemoBackends.class.getClassLoader().getResourceAsStream("sim/profiles/" + name + ".yaml")) {
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String raised = yaml
        .replaceFirst("(?m)^(\\s*)requests_per_minute: .*$",
            "$1requests_per_minute: {value: 10000, source: \"setting: a higher usage tier, for the demo\"}")
        .replaceFirst("(?m)^(\\s*)tokens_per_minute: .*$",
            "$1tokens_per_minute: {value: 10000000, source: \"setting: a higher usage tier, for the demo\"}");
    if (raised.equals(yaml)) throw new IllegalStateException("the profile " + name + " has no rate limits to raise");
    return ProfileLoader.parse("demo:" + name, raised);
  }

  /** The base URL of each backend, by config variable. */
  Map<String, String> urls() {
    return Map.copyOf(urls);
  }

  @Override
  public void close() {
    servers.forEach(SimServer::close);
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // shutting down anyway
    }
  }
}
