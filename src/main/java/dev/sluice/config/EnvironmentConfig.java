package dev.sluice.config;

import dev.sluice.config.GatewayConfig.CircuitBreaker;
import dev.sluice.config.GatewayConfig.DeploymentConfig;
import dev.sluice.config.GatewayConfig.Listen;
import dev.sluice.config.GatewayConfig.ModelConfig;
import dev.sluice.config.GatewayConfig.ProviderKind;
import dev.sluice.config.GatewayConfig.Retry;
import dev.sluice.config.GatewayConfig.Routing;
import dev.sluice.config.GatewayConfig.Timeouts;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The config Sluice builds when it is given no file: one model entry per backend found in the
 * environment, plus the in-process embedding model, which is always there.
 *
 * <ul>
 *   <li>{@code OPENAI_API_KEY}: OpenAI models ({@code gpt-*}, {@code o1*}, {@code o3*}, {@code o4*},
 *       {@code text-embedding-*}), sent to {@code OPENAI_BASE_URL} if set.
 *   <li>{@code ANTHROPIC_API_KEY}: Claude models ({@code claude-*}).
 *   <li>{@code SLUICE_OPENAI_COMPATIBLE_URL}: any OpenAI-compatible server (vLLM, llama.cpp,
 *       Ollama, TGI) serving every other model name, with {@code SLUICE_OPENAI_COMPATIBLE_KEY}
 *       as its key if it needs one.
 *   <li>{@code SLUICE_ADMIN_KEY}, {@code SLUICE_LISTEN}: the admin key and the listen address.
 * </ul>
 */
public final class EnvironmentConfig {
  private EnvironmentConfig() {}

  /** The config, and one line per thing found or missing, for the startup log. */
  public record Result(GatewayConfig config, List<String> findings) {}

  public static Result build(Function<String, String> env) {
    List<String> findings = new ArrayList<>();
    List<ModelConfig> models = new ArrayList<>();
    Timeouts t = Timeouts.DEFAULT;

    String openAiKey = nonBlank(env.apply("OPENAI_API_KEY"));
    if (openAiKey != null) {
      URI base = URI.create(Optional.ofNullable(nonBlank(env.apply("OPENAI_BASE_URL"))).orElse("https://api.openai.com/v1"));
      for (String pattern : List.of("gpt-*", "o1*", "o3*", "o4*", "chatgpt-*", "text-embedding-*")) {
        models.add(single(pattern, new DeploymentConfig("openai-1", ProviderKind.OPENAI, base, new Secret(openAiKey),
            Optional.empty(), 1, 0, t, "api", Map.of())));
      }
      findings.add("OPENAI_API_KEY is set: serving OpenAI models (gpt-*, o1*, o3*, o4*, chatgpt-*, text-embedding-*) via " + base);
    } else {
      findings.add("OPENAI_API_KEY is not set: no OpenAI models");
    }

    String anthropicKey = nonBlank(env.apply("ANTHROPIC_API_KEY"));
    if (anthropicKey != null) {
      URI base = URI.create("https://api.anthropic.com");
      models.add(single("claude-*", new DeploymentConfig("anthropic-1", ProviderKind.ANTHROPIC, base,
          new Secret(anthropicKey), Optional.empty(), 1, 0, t, "api", Map.of())));
      findings.add("ANTHROPIC_API_KEY is set: serving Claude models (claude-*) via " + base);
    } else {
      findings.add("ANTHROPIC_API_KEY is not set: no Claude models");
    }

    String compatible = nonBlank(env.apply("SLUICE_OPENAI_COMPATIBLE_URL"));
    if (compatible != null) {
      String key = Optional.ofNullable(env.apply("SLUICE_OPENAI_COMPATIBLE_KEY")).orElse("");
      URI base = URI.create(compatible.endsWith("/") ? compatible.substring(0, compatible.length() - 1) : compatible);
      models.add(single("*", new DeploymentConfig("openai-1", ProviderKind.OPENAI, base, new Secret(key),
          Optional.empty(), 1, 0, t, "default", Map.of())));
      findings.add("SLUICE_OPENAI_COMPATIBLE_URL is set: every other model name goes to " + base);
    } else {
      findings.add("SLUICE_OPENAI_COMPATIBLE_URL is not set: no self-hosted OpenAI-compatible server");
    }

    models.add(single("all-minilm-l6-v2", new DeploymentConfig("local-1", ProviderKind.LOCAL, URI.create("local:/"),
        new Secret(""), Optional.of("all-minilm-l6-v2"), 1, 0, t, "cpu", Map.of())));
    findings.add("serving the in-process embedding model all-minilm-l6-v2 on /v1/embeddings");

    Listen listen = new Listen("127.0.0.1", 8080);
    String listenText = nonBlank(env.apply("SLUICE_LISTEN"));
    if (listenText != null) {
      int colon = listenText.lastIndexOf(':');
      try {
        listen = new Listen(listenText.substring(0, colon), Integer.parseInt(listenText.substring(colon + 1)));
      } catch (RuntimeException e) {
        throw new ConfigException("environment", List.of("SLUICE_LISTEN must be host:port, got '" + listenText + "'"));
      }
    }
    Optional<Secret> adminKey = Optional.ofNullable(nonBlank(env.apply("SLUICE_ADMIN_KEY"))).map(Secret::new);
    if (!listen.isLoopback() && adminKey.isEmpty()) {
      throw new ConfigException("environment", List.of("SLUICE_LISTEN is " + listen
          + ", beyond loopback, but SLUICE_ADMIN_KEY is not set: set it, or listen on 127.0.0.1"));
    }
    findings.add(adminKey.isPresent()
        ? "SLUICE_ADMIN_KEY is set: /v1 requires Authorization: Bearer <key>"
        : "SLUICE_ADMIN_KEY is not set: /v1 is open on loopback and admin endpoints are disabled");

    GatewayConfig config = new GatewayConfig("environment", listen, adminKey, GatewayConfig.DEFAULT_MAX_REQUEST_BODY,
        t, Retry.DEFAULT, CircuitBreaker.DEFAULT, models,
        Optional.ofNullable(nonBlank(env.apply("SLUICE_STORE"))).orElse(GatewayConfig.DEFAULT_STORE), List.of(),
        java.time.ZoneOffset.UTC,
        Optional.ofNullable(nonBlank(env.apply("SLUICE_ACCESS_LOG"))).orElse("off"));
    return new Result(config, findings);
  }

  private static ModelConfig single(String name, DeploymentConfig d) {
    return new ModelConfig(name, List.of(d), List.of(), Routing.LEAST_OUTSTANDING, Retry.DEFAULT);
  }

  private static String nonBlank(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
