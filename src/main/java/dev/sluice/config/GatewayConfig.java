package dev.sluice.config;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The resolved, immutable configuration of a gateway. Built once by {@link ConfigLoader} (or
 * {@link EnvironmentConfig}) and never changed: a reload builds a new one and swaps it in.
 *
 * @param source where it came from: a file path, or {@code environment}
 * @param cache the response cache's memory bound and join timeout
 * @param runs the default limits of agent runs ({@code runs:})
 */
public record GatewayConfig(
    String source,
    Listen listen,
    Optional<Secret> adminKey,
    long maxRequestBody,
    Timeouts timeouts,
    Retry retry,
    CircuitBreaker circuitBreaker,
    List<ModelConfig> models,
    String store,
    List<TenantConfig> tenants,
    java.time.ZoneId timeZone,
    String accessLog,
    CacheLimits cache,
    dev.sluice.runs.RunsConfig runs,
    Duration eventLoopSpin) {

  public static final long DEFAULT_MAX_REQUEST_BODY = 4L << 20;
  /**
   * How long an idle event loop polls before it blocks ({@code event_loop_spin}); zero: never. See
   * {@link dev.sluice.server.SpinningNioTransport}.
   */
  public static final Duration DEFAULT_EVENT_LOOP_SPIN = Duration.ofNanos(50_000);
  /** The longest {@code event_loop_spin} accepted: beyond it, spinning costs CPU for no latency. */
  public static final Duration MAX_EVENT_LOOP_SPIN = Duration.ofMillis(1);
  public static final String DEFAULT_STORE = "sqlite:data/sluice.db";

  public GatewayConfig {
    models = List.copyOf(models);
    tenants = List.copyOf(tenants);
  }

 /** A config with the response cache's default limits and the default limits of agent runs. */
  public GatewayConfig(String source, Listen listen, Optional<Secret> adminKey, long maxRequestBody, Timeouts timeouts,
      Retry retry, CircuitBreaker circuitBreaker, List<ModelConfig> models, String store, List<TenantConfig> tenants,
      java.time.ZoneId timeZone, String accessLog) {
    this(source, listen, adminKey, maxRequestBody, timeouts, retry, circuitBreaker, models, store, tenants, timeZone,
        accessLog, CacheLimits.DEFAULT, dev.sluice.runs.RunsConfig.DEFAULT, DEFAULT_EVENT_LOOP_SPIN);
  }

  /** The same config listening elsewhere. */
  public GatewayConfig withListen(Listen other) {
    return new GatewayConfig(source, other, adminKey, maxRequestBody, timeouts, retry, circuitBreaker, models, store,
        tenants, timeZone, accessLog, cache, runs, eventLoopSpin);
  }

  /**
   * Limits of the response cache, shared by every model.
   *
   * @param memoryBytes the most the stored answers may take, all models and tenants together
   *     ({@code cache_memory_mib})
   * @param joinTimeout how long a request waits for an identical one in flight to answer before it
   *     calls the upstream itself ({@code cache_join_timeout})
   */
  public record CacheLimits(long memoryBytes, Duration joinTimeout) {
    public static final CacheLimits DEFAULT = new CacheLimits(128L << 20, Duration.ofSeconds(60));
  }

  /** Which answers of a model the exact cache keeps ({@code cache.exact}). */
  public enum ExactCache {
    /** Only reproducible requests: temperature 0, or a seed. */
    AUTO,
    /** Every request, reproducible or not. */
    ALWAYS,
    /** None, unless a request asks with {@code X-Sluice-Cache: on}. */
    OFF
  }

  /**
   * How a model's answers are cached ({@code cache:} on a model).
   *
   * @param ttl how long a stored answer is served
   * @param semantic the semantic cache, or empty when its block is omitted (disabled)
   */
  public record CacheConfig(ExactCache exact, Duration ttl, Optional<SemanticCache> semantic) {
    public static final Duration DEFAULT_TTL = Duration.ofHours(1);
    /** A model without a {@code cache:} block. */
    public static final CacheConfig NONE = new CacheConfig(ExactCache.OFF, DEFAULT_TTL, Optional.empty());
  }

  /**
   * The semantic side of a model's cache.
   *
   * @param threshold the least cosine similarity that counts as the same question, or {@code NaN} for
   *     the shipped default ({@code threshold: default})
   */
  public record SemanticCache(double threshold) {}

  /** Whose answers a tenant's requests may be served from: its own key's only, or any key of the tenant. */
  public enum CacheScope {
    KEY,
    TENANT
  }

  /**
   * A tenant declared in the config, with keys whose secrets come from the environment.
   *
   * @param plan the pricing plan as JSON text, or empty for pass-through
   * @param cacheScope whether its keys share cached answers ({@code cache_scope})
   * @param logContent whether its prompts and completions are written (redacted) to the access log
   */
  public record TenantConfig(String name, Optional<String> plan, List<KeyConfig> keys, CacheScope cacheScope,
      boolean logContent) {
    public TenantConfig {
      keys = List.copyOf(keys);
    }

    /** A tenant whose cached answers stay with the key that stored them. */
    public TenantConfig(String name, Optional<String> plan, List<KeyConfig> keys) {
      this(name, plan, keys, CacheScope.KEY, false);
    }
  }

  /**
   * An API key declared in the config.
   *
   * @param models the models it may call; empty means all
   */
  public record KeyConfig(String name, Secret key, List<String> models) {
    public KeyConfig {
      models = List.copyOf(models);
    }
  }

  /** The model a client names: an exact name first, then the longest matching {@code prefix*} pattern. */
  public Optional<ModelConfig> model(String name) {
    ModelConfig best = null;
    for (ModelConfig m : models) {
      if (m.name().equals(name)) return Optional.of(m);
      if (m.matches(name) && (best == null || m.name().length() > best.name().length())) best = m;
    }
    return Optional.ofNullable(best);
  }

  /** Where the HTTP server listens. */
  public record Listen(String host, int port) {
    public boolean isLoopback() {
      return host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.startsWith("127.");
    }

    @Override
    public String toString() {
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  /** How long an upstream call may take, phase by phase. */
  public record Timeouts(Duration connect, Duration firstByte, Duration idle, Duration total) {
    public static final Timeouts DEFAULT =
        new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(120), Duration.ofSeconds(30), Duration.ofSeconds(600));
  }

  /** Retries of one deployment after a retryable failure, before falling back to the next. */
  public record Retry(int maxRetries, Duration initialBackoff, Duration maxBackoff) {
    public static final Retry DEFAULT = new Retry(2, Duration.ofMillis(100), Duration.ofSeconds(5));
  }

  /** When a failing deployment is taken out of rotation, and for how long. */
  public record CircuitBreaker(
      int consecutiveFailures, double failureRatio, int minRequests, Duration window, Duration cooldown) {
    public static final CircuitBreaker DEFAULT =
        new CircuitBreaker(5, 0.5, 20, Duration.ofSeconds(30), Duration.ofSeconds(30));
  }

  /** How a model picks among its deployments. */
  public enum Routing {
    /** Power of two choices by fewest requests in flight (weights scale the comparison). */
    LEAST_OUTSTANDING,
    /** Random, proportional to weight. */
    WEIGHTED
  }

  /** The protocol a deployment speaks. */
  public enum ProviderKind {
    OPENAI,
    ANTHROPIC,
    LOCAL;

    private final String wireName = name().toLowerCase(java.util.Locale.ROOT);

    public String wireName() {
      return wireName;
    }
  }

  /**
   * A token price written in the config ({@code price:} on a model or a deployment), in dollars per
   * million tokens, as exact decimals. Reasoning tokens are priced as output.
   *
   * @param cachedInputPerMtok a prompt token read from the provider's cache; defaults to the input price
   * @param cacheWritePerMtok a prompt token written to the provider's cache; defaults to the input price
   * @param batchDiscount the fraction taken off every rate for a batch request: 0.5 is half price; 0 for none
   */
  public record PriceOverride(
      BigDecimal inputPerMtok,
      BigDecimal cachedInputPerMtok,
      BigDecimal cacheWritePerMtok,
      BigDecimal outputPerMtok,
      BigDecimal batchDiscount) {}

  /**
   * A model name that clients send, mapped to deployments.
   *
   * @param name an exact name, or a pattern ending in {@code *} that matches names by prefix
   * @param price the price of every deployment of the model that sets none of its own; empty to
   *     use the shipped price table
   * @param cache how its answers are cached
   * @param cascade set when the model is a cascade of two other models (it then has no deployments)
   */
  public record ModelConfig(
      String name,
      List<DeploymentConfig> deployments,
      List<String> fallbacks,
      Routing routing,
      Retry retry,
      Optional<PriceOverride> price,
      CacheConfig cache,
      Optional<CascadeConfig> cascade) {
    public ModelConfig {
      deployments = List.copyOf(deployments);
      fallbacks = List.copyOf(fallbacks);
    }

    /** A model without a cache, answered by its own deployments. */
    public ModelConfig(String name, List<DeploymentConfig> deployments, List<String> fallbacks, Routing routing, Retry retry,
        Optional<PriceOverride> price) {
      this(name, deployments, fallbacks, routing, retry, price, CacheConfig.NONE, Optional.empty());
    }

    /** A model priced by its deployments or by the shipped table. */
    public ModelConfig(String name, List<DeploymentConfig> deployments, List<String> fallbacks, Routing routing, Retry retry) {
      this(name, deployments, fallbacks, routing, retry, Optional.empty());
    }

    public boolean isPattern() {
      return name.endsWith("*");
    }

    boolean matches(String requested) {
      return isPattern() && requested.startsWith(name.substring(0, name.length() - 1));
    }
  }

  /**
   * A model answered by a cheaper model when that suffices and by a stronger one otherwise
   * ({@code cascade:}); such a model has no deployments of its own. Exactly one policy is set.
   *
   * @param cheap the configured model tried, or chosen, first
   * @param strong the configured model escalated to
   * @param router the trained router that scores a prompt before any call; with {@code threshold}
   * @param threshold the router score at or above which the strong model answers; empty for the
   *     router file's default
   * @param minLogprob the confidence policy: the cheap model answers first, and its answer is
   *     replaced by the strong model's when its mean token log-probability is below this
   */
  public record CascadeConfig(String cheap, String strong, Optional<dev.sluice.cascade.CascadeRouter> router,
      Optional<Double> threshold, Optional<Double> minLogprob) {}

  /**
   * One upstream that can serve a model.
   *
   * @param upstreamModel the model name sent upstream; empty means the name the client asked for
   * @param maxConcurrency requests in flight at most; 0 means no limit
   * @param price this deployment's token price, ahead of the model's and the table's
   * @param costPerHour dollars per hour of the hardware (self-hosted); requests share it by time in
   *     flight instead of paying per token. At most one of {@code price} and {@code costPerHour} is set.
   */
  public record DeploymentConfig(
      String id,
      ProviderKind provider,
      URI baseUrl,
      Secret apiKey,
      Optional<String> upstreamModel,
      int weight,
      int maxConcurrency,
      Timeouts timeouts,
      String pool,
      Map<String, String> headers,
      Optional<PriceOverride> price,
      Optional<BigDecimal> costPerHour) {
    public DeploymentConfig {
      headers = Map.copyOf(headers);
    }

    /** A deployment priced by its model or by the shipped table. */
    public DeploymentConfig(String id, ProviderKind provider, URI baseUrl, Secret apiKey, Optional<String> upstreamModel,
        int weight, int maxConcurrency, Timeouts timeouts, String pool, Map<String, String> headers) {
      this(id, provider, baseUrl, apiKey, upstreamModel, weight, maxConcurrency, timeouts, pool, headers,
          Optional.empty(), Optional.empty());
    }

    /** The model name to send upstream for a client's requested name. */
    public String upstreamModelFor(String requested) {
      return upstreamModel.orElse(requested);
    }
  }
}
