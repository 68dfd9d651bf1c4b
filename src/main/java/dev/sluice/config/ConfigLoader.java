package dev.sluice.config;

import dev.sluice.config.GatewayConfig.CascadeConfig;
import dev.sluice.config.GatewayConfig.CircuitBreaker;
import dev.sluice.config.GatewayConfig.DeploymentConfig;
import dev.sluice.config.GatewayConfig.KeyConfig;
import dev.sluice.config.GatewayConfig.TenantConfig;
import dev.sluice.config.GatewayConfig.Listen;
import dev.sluice.config.GatewayConfig.ModelConfig;
import dev.sluice.config.GatewayConfig.PriceOverride;
import dev.sluice.config.GatewayConfig.ProviderKind;
import dev.sluice.config.GatewayConfig.Retry;
import dev.sluice.config.GatewayConfig.Routing;
import dev.sluice.config.GatewayConfig.Timeouts;
import dev.sluice.runs.RunPolicy;
import dev.sluice.runs.RunsConfig;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads the YAML config file into a {@link GatewayConfig}: strictly (an unknown key is an error
 * naming the key and its line), with {@code ${VAR}} substitution from the environment, reporting
 * every problem at once. The table of keys lives in {@code docs/configuration.md}; keep both in step.
 */
public final class ConfigLoader {
  /** The largest price per million tokens or per hour accepted: well above any real one, far below overflow. */
  private static final BigDecimal MAX_PRICE = new BigDecimal("1000000");

  private final Function<String, String> env;

  public ConfigLoader(Function<String, String> env) {
    this.env = env;
  }

  /** A loader reading variables from the process environment. */
  public static ConfigLoader fromEnvironment() {
    return new ConfigLoader(System::getenv);
  }

  public GatewayConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new ConfigException(file.toString(), List.of("cannot read the file: " + e.getMessage()));
    }
    return parse(file.toString(), text);
  }

  public GatewayConfig parse(String source, String text) {
    List<String> problems = new ArrayList<>();
    MappingNode root;
    try {
      LoadSettings settings = LoadSettings.builder().setLabel(source).setAllowDuplicateKeys(true).build();
      Optional<Node> node = new Compose(settings).composeString(text);
      if (node.isEmpty()) {
        throw new ConfigException(source, List.of("the file is empty; it needs at least a 'models:' list"));
      }
      if (!(node.get() instanceof MappingNode m)) {
        throw new ConfigException(source, List.of("line 1: the top level must be a mapping of keys (listen, models, ...)"));
      }
      root = m;
    } catch (MarkedYamlEngineException e) {
      String where = e.getProblemMark().map(mk -> "line " + (mk.getLine() + 1) + ": ").orElse("");
      throw new ConfigException(source, List.of(where + "not valid YAML: " + e.getProblem()));
    } catch (YamlEngineException e) {
      throw new ConfigException(source, List.of("not valid YAML: " + e.getMessage()));
    }

    YamlNode top = new YamlNode("", root, problems, env);
    GatewayConfig config = read(source, top, problems);
    if (!problems.isEmpty()) {
      throw new ConfigException(source, problems);
    }
    return config;
  }

  private GatewayConfig read(String source, YamlNode top, List<String> problems) {
    Listen listen = top.string("listen").map(v -> parseListen(top, v)).orElse(new Listen("127.0.0.1", 8080));
    Optional<Secret> adminKey = top.string("admin_key").filter(s -> !s.isEmpty()).map(Secret::new);
    long maxBody = top.byteSize("max_request_body").orElse(GatewayConfig.DEFAULT_MAX_REQUEST_BODY);
    if (maxBody < 1024) {
      top.problemAt("max_request_body", "'max_request_body' must be at least 1KiB");
    }
    Timeouts timeouts = top.mapping("timeouts").map(n -> timeouts(n, Timeouts.DEFAULT)).orElse(Timeouts.DEFAULT);
    Retry retry = top.mapping("retry").map(n -> retry(n, Retry.DEFAULT)).orElse(Retry.DEFAULT);
    CircuitBreaker breaker = top.mapping("circuit_breaker").map(this::breaker).orElse(CircuitBreaker.DEFAULT);
    Routing routing = top.enumValue("routing", Routing.class).orElse(Routing.LEAST_OUTSTANDING);

    List<ModelConfig> models = new ArrayList<>();
    if (!top.has("models")) {
      top.problem("missing required key 'models' (the list of model names clients may call)");
    }
    List<YamlNode> modelNodes = top.mappings("models");
    Map<String, Boolean> cascades = CascadeConfigReader.declared(modelNodes);
    for (YamlNode m : modelNodes) {
      model(m, timeouts, retry, routing, cascades).ifPresent(models::add);
    }
    String store = top.string("store").filter(s -> !s.isBlank()).orElse(GatewayConfig.DEFAULT_STORE);
    if (!store.startsWith("sqlite:") && !store.startsWith("postgresql://") && !store.startsWith("postgres://")) {
      top.problemAt("store", "'store' must be sqlite:PATH or postgresql://HOST:PORT/DB?user=..., got '" + store + "'");
    }
    java.time.ZoneId zone = top.string("time_zone").flatMap(z -> {
      try {
        return Optional.of(java.time.ZoneId.of(z.trim()));
      } catch (java.time.DateTimeException e) {
        top.problemAt("time_zone", "'time_zone' must be a time zone such as UTC, Europe/Paris or America/New_York, got '" + z + "'");
        return Optional.empty();
      }
    }).orElse(java.time.ZoneOffset.UTC);
    String accessLog = top.string("access_log").filter(s -> !s.isBlank()).orElse("off");
    GatewayConfig.CacheLimits cacheLimits = cacheLimits(top);
    RunsConfig runs = top.mapping("runs").map(ConfigLoader::runs).orElse(RunsConfig.DEFAULT);
    Duration spin = eventLoopSpin(top);
    List<TenantConfig> tenants = new ArrayList<>();
    for (YamlNode t : top.mappings("tenants")) {
      tenant(t, !accessLog.equals("off")).ifPresent(tenants::add);
    }
    top.finish();
    checkTenants(tenants, adminKey, problems);

    if (!listen.isLoopback() && adminKey.isEmpty()) {
      problems.add("'listen' is " + listen + ", beyond loopback, but no 'admin_key' is set: "
          + "set admin_key (for example admin_key: ${SLUICE_ADMIN_KEY}) or listen on 127.0.0.1");
    }
    checkModels(models, problems);
    return new GatewayConfig(source, listen, adminKey, maxBody, timeouts, retry, breaker, models, store, tenants, zone,
        accessLog, cacheLimits, runs, spin);
  }

  /** {@code event_loop_spin}: a duration up to 1ms, or {@code 0} / {@code off} for none. */
  private static Duration eventLoopSpin(YamlNode top) {
    Optional<String> text = top.string("event_loop_spin").map(String::trim);
    if (text.isEmpty()) return GatewayConfig.DEFAULT_EVENT_LOOP_SPIN;
    if (text.get().equals("0") || text.get().equals("off")) return Duration.ZERO;
    Optional<Duration> d = Durations.parseFine(text.get());
    if (d.isEmpty() || d.get().compareTo(GatewayConfig.MAX_EVENT_LOOP_SPIN) > 0) {
      top.problemAt("event_loop_spin", "'event_loop_spin' must be a duration from 0 to 1ms such as 50us, or off; got '"
          + text.get() + "'");
      return GatewayConfig.DEFAULT_EVENT_LOOP_SPIN;
    }
    return d.get();
  }

  private static GatewayConfig.CacheLimits cacheLimits(YamlNode top) {
    GatewayConfig.CacheLimits d = GatewayConfig.CacheLimits.DEFAULT;
    long mib = top.integer("cache_memory_mib", 1, 1L << 20).orElse(d.memoryBytes() >> 20);
    Duration join = positive(top, "cache_join_timeout").orElse(d.joinTimeout());
    return new GatewayConfig.CacheLimits(mib << 20, join);
  }

  /** A model's {@code cache:} block: {@code exact}, {@code ttl}, and an optional {@code semantic} block. */
  private static GatewayConfig.CacheConfig cache(YamlNode n) {
    GatewayConfig.ExactCache exact = n.enumValue("exact", GatewayConfig.ExactCache.class)
        .orElse(GatewayConfig.ExactCache.AUTO);
    Duration ttl = positive(n, "ttl").orElse(GatewayConfig.CacheConfig.DEFAULT_TTL);
    Optional<GatewayConfig.SemanticCache> semantic = n.mapping("semantic").map(ConfigLoader::semantic);
    n.finish();
    return new GatewayConfig.CacheConfig(exact, ttl, semantic);
  }

  /** {@code threshold: default} (the shipped threshold, NaN here) or a cosine similarity in (0, 1]. */
  private static GatewayConfig.SemanticCache semantic(YamlNode n) {
    double threshold = Double.NaN;
    Optional<String> text = n.string("threshold").map(String::trim);
    if (text.isPresent() && !text.get().equals("default")) {
      try {
        threshold = Double.parseDouble(text.get());
        if (!(threshold > 0 && threshold <= 1)) {
          n.problemAt("threshold", "'" + n.path() + ".threshold' is " + text.get()
              + "; it must be 'default' or a cosine similarity above 0 and at most 1, such as 0.92");
          threshold = Double.NaN;
        }
      } catch (NumberFormatException e) {
        n.problemAt("threshold", "'" + n.path() + ".threshold' must be 'default' or a number such as 0.92, got '"
            + text.get() + "'");
      }
    }
    n.finish();
    return new GatewayConfig.SemanticCache(threshold);
  }

  private Optional<TenantConfig> tenant(YamlNode n, boolean accessLogOn) {
    Optional<String> name = n.requiredString("name");
    boolean logContent = n.bool("log_content").orElse(false);
    if (logContent && !accessLogOn) {
      n.problemAt("log_content", "'" + n.path() + ".log_content' is true, but 'access_log' is off: content lines are "
          + "written to the access log, so set access_log (stdout, stderr or a file path)");
    }
    if (name.isPresent() && !name.get().matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
      n.problemAt("name", "'" + n.path() + ".name' must be 1-64 letters, digits, '_', '.' or '-', got '" + name.get() + "'");
    }
    Optional<String> plan = n.json("plan");
    GatewayConfig.CacheScope cacheScope = n.enumValue("cache_scope", GatewayConfig.CacheScope.class)
        .orElse(GatewayConfig.CacheScope.KEY);
    List<KeyConfig> keys = new ArrayList<>();
    for (YamlNode k : n.mappings("keys")) {
      Optional<String> keyName = k.requiredString("name");
      Optional<String> secret = k.requiredString("key");
      List<String> models = k.strings("models");
      k.finish();
      if (secret.isPresent() && secret.get().length() < 16) {
        k.problemAt("key", "'" + k.path() + ".key' must be at least 16 characters (a guessable key is no key)");
      }
      if (keyName.isPresent() && secret.isPresent()) keys.add(new KeyConfig(keyName.get(), new Secret(secret.get()), models));
    }
    n.finish();
    return name.map(v -> new TenantConfig(v, plan, keys, cacheScope, logContent));
  }

  private static void checkTenants(List<TenantConfig> tenants, Optional<Secret> adminKey, List<String> problems) {
    Set<String> names = new HashSet<>();
    Set<Secret> secrets = new HashSet<>();
    for (TenantConfig t : tenants) {
      if (!names.add(t.name())) problems.add("tenant '" + t.name() + "' is declared twice");
      Set<String> keyNames = new HashSet<>();
      for (KeyConfig k : t.keys()) {
        if (!keyNames.add(k.name())) {
          problems.add("tenant '" + t.name() + "' declares two keys named '" + k.name() + "' (a key's name is its id in usage, "
              + "budgets and rate limits: cfg_" + t.name() + "_" + k.name() + ")");
        }
        if (adminKey.isPresent() && adminKey.get().equals(k.key())) {
          problems.add("tenant '" + t.name() + "' key '" + k.name() + "' uses the admin key as its secret");
        } else if (!secrets.add(k.key())) {
          problems.add("tenant '" + t.name() + "' key '" + k.name() + "' uses a secret that another key uses too");
        }
      }
    }
  }

  private static void checkModels(List<ModelConfig> models, List<String> problems) {
    Set<String> names = new HashSet<>();
    for (ModelConfig m : models) {
      if (!names.add(m.name())) {
        problems.add("model '" + m.name() + "' is declared twice");
      }
    }
    Map<String, ModelConfig> byName = new HashMap<>();
    for (ModelConfig m : models) byName.put(m.name(), m);
    for (ModelConfig m : models) {
      for (String f : m.fallbacks()) {
        if (f.equals(m.name())) {
          problems.add("model '" + m.name() + "' lists itself as a fallback");
        } else if (!byName.containsKey(f)) {
          problems.add("model '" + m.name() + "' falls back to '" + f + "', which is not a declared model (declared: "
              + String.join(", ", byName.keySet()) + ")");
        }
      }
    }
  }

  private Optional<ModelConfig> model(YamlNode n, Timeouts timeouts, Retry retry, Routing routing,
      Map<String, Boolean> cascades) {
    Optional<String> name = n.requiredString("name");
    if (name.isPresent() && name.get().isBlank()) {
      n.problemAt("name", "'" + n.path() + ".name' must not be empty");
    }
    if (name.isPresent() && name.get().indexOf('*') >= 0 && name.get().indexOf('*') != name.get().length() - 1) {
      n.problemAt("name", "'" + n.path() + ".name' may contain '*' only at its end (a prefix pattern such as gpt-*)");
    }
    List<String> fallbacks = n.strings("fallbacks");
    Routing modelRouting = n.enumValue("routing", Routing.class).orElse(routing);
    Retry modelRetry = n.mapping("retry").map(r -> retry(r, retry)).orElse(retry);
    Optional<PriceOverride> price = n.mapping("price").flatMap(ConfigLoader::price);
    GatewayConfig.CacheConfig cache = n.mapping("cache").map(ConfigLoader::cache).orElse(GatewayConfig.CacheConfig.NONE);
    Optional<CascadeConfig> cascade = n.mapping("cascade").flatMap(c -> CascadeConfigReader.read(c, name, cascades));
    List<YamlNode> deploymentNodes = n.mappings("deployments");
    if (n.has("cascade") && !deploymentNodes.isEmpty()) {
      n.problemAt("deployments", "'" + n.path() + "' (" + name.orElse("?") + ") is a cascade: it has no 'deployments' of "
          + "its own (its cheap and strong models have them)");
    } else if (deploymentNodes.isEmpty() && !n.has("cascade")) {
      n.problem("'" + n.path() + "' (" + name.orElse("?") + ") needs at least one entry under 'deployments'");
    }
    List<DeploymentConfig> deployments = new ArrayList<>();
    Map<ProviderKind, Integer> counters = new HashMap<>();
    Set<String> ids = new HashSet<>();
    for (YamlNode d : deploymentNodes) {
      deployment(d, timeouts, counters).ifPresent(dep -> {
        if (!ids.add(dep.id())) {
          d.problemAt("id", "deployment id '" + dep.id() + "' is used twice in model '" + name.orElse("?") + "'");
        }
        deployments.add(dep);
      });
    }
    n.finish();
    return name.map(v -> new ModelConfig(v, deployments, fallbacks, modelRouting, modelRetry, price, cache, cascade));
  }

  private Optional<DeploymentConfig> deployment(YamlNode n, Timeouts defaults, Map<ProviderKind, Integer> counters) {
    Optional<ProviderKind> provider = n.enumValue("provider", ProviderKind.class);
    if (provider.isEmpty() && !n.has("provider")) {
      n.problem("'" + n.path() + "' needs 'provider' (openai, anthropic or local)");
    }
    Optional<String> explicitId = n.string("id");
    Optional<String> baseUrlText = n.string("base_url");
    Optional<String> apiKey = n.string("api_key");
    Optional<String> upstreamModel = n.string("model").filter(s -> !s.isBlank());
    int weight = n.integer("weight", 0, 1_000_000).orElse(1L).intValue();
    int maxConcurrency = n.integer("max_concurrency", 0, 1_000_000).orElse(0L).intValue();
    Timeouts timeouts = n.mapping("timeouts").map(t -> timeouts(t, defaults)).orElse(defaults);
    String pool = n.string("pool").filter(s -> !s.isBlank()).orElse(null);
    Map<String, String> headers = n.stringMap("headers");
    Optional<PriceOverride> price = n.mapping("price").flatMap(ConfigLoader::price);
    Optional<BigDecimal> costPerHour = n.exactDecimal("cost_per_hour", BigDecimal.ZERO, MAX_PRICE);
    n.finish();
    if (n.has("price") && n.has("cost_per_hour")) {
      n.problemAt("cost_per_hour", "'" + n.path() + "' sets both 'price' (per token) and 'cost_per_hour' "
          + "(per hour of hardware); keep the one that is how this deployment is paid for");
    }
    if (provider.isEmpty()) return Optional.empty();

    ProviderKind kind = provider.get();
    int ordinal = counters.merge(kind, 1, Integer::sum);
    String id = explicitId.filter(s -> !s.isBlank()).orElse(kind.wireName() + "-" + ordinal);
    URI baseUrl = switch (kind) {
      case OPENAI -> baseUrl(n, baseUrlText.orElse("https://api.openai.com/v1"));
      case ANTHROPIC -> baseUrl(n, baseUrlText.orElse("https://api.anthropic.com"));
      case LOCAL -> {
        if (baseUrlText.isPresent()) {
          n.problemAt("base_url", "'" + n.path() + ".base_url' does not apply to provider local (the model runs inside Sluice)");
        }
        yield URI.create("local:/");
      }
    };
    if (kind == ProviderKind.LOCAL) {
      if (upstreamModel.isPresent() && !upstreamModel.get().equals("all-minilm-l6-v2")) {
        n.problemAt("model", "'" + n.path() + ".model' is '" + upstreamModel.get()
            + "', but provider local serves only all-minilm-l6-v2 (omit 'model' to use it)");
      }
      upstreamModel = Optional.of("all-minilm-l6-v2");
    }
    if (pool == null) {
      pool = kind == ProviderKind.LOCAL ? "cpu" : "default";
    }
    return Optional.of(new DeploymentConfig(id, kind, baseUrl, new Secret(apiKey.orElse("")), upstreamModel,
        weight, maxConcurrency, timeouts, pool, headers, price, costPerHour));
  }

  /** A {@code price:} mapping: dollars per million tokens, read as exact decimals. */
  private static Optional<PriceOverride> price(YamlNode n) {
    Optional<BigDecimal> input = n.exactDecimal("input_per_mtok", BigDecimal.ZERO, MAX_PRICE);
    Optional<BigDecimal> cached = n.exactDecimal("cached_input_per_mtok", BigDecimal.ZERO, MAX_PRICE);
    Optional<BigDecimal> write = n.exactDecimal("cache_write_per_mtok", BigDecimal.ZERO, MAX_PRICE);
    Optional<BigDecimal> output = n.exactDecimal("output_per_mtok", BigDecimal.ZERO, MAX_PRICE);
    BigDecimal batchDiscount = n.exactDecimal("batch_discount", BigDecimal.ZERO, BigDecimal.ONE).orElse(BigDecimal.ZERO);
    n.finish();
    for (String required : List.of("input_per_mtok", "output_per_mtok")) {
      if (!n.has(required)) {
        n.problem("'" + n.path() + "' needs '" + required + "' (dollars per million tokens)");
      }
    }
    if (input.isEmpty() || output.isEmpty()) return Optional.empty();
    return Optional.of(new PriceOverride(input.get(), cached.orElse(input.get()), write.orElse(input.get()),
        output.get(), batchDiscount));
  }

  private static URI baseUrl(YamlNode n, String text) {
    try {
      URI uri = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
      if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https")) || uri.getHost() == null) {
        n.problemAt("base_url", "'" + n.path() + ".base_url' must be an http:// or https:// URL, got '" + text + "'");
        return URI.create("http://invalid");
      }
      return uri;
    } catch (URISyntaxException e) {
      n.problemAt("base_url", "'" + n.path() + ".base_url' is not a valid URL: " + e.getMessage());
      return URI.create("http://invalid");
    }
  }

  /** {@code runs:}, the default limits of every agent run and the loop check's near-duplicates. */
  private static RunsConfig runs(YamlNode n) {
    RunPolicy d = RunPolicy.DEFAULT;
    long calls = n.integer("max_calls", 1, Long.MAX_VALUE).orElse(d.maxCalls());
    long tokens = n.integer("max_tokens", 1, Long.MAX_VALUE).orElse(d.maxTokens());
    long cost = n.exactDecimal("max_cost_usd", new BigDecimal("0.000000001"), new BigDecimal("1000000000"))
        .map(usd -> dev.sluice.meter.Money.ofUsd(usd).nanos()).orElse(d.maxCostNanos());
    Duration wall = positive(n, "max_wall_time").orElse(d.maxWallTime());
    int depth = n.integer("max_depth", 0, 100).map(Long::intValue).orElse(d.maxDepth());
    RunPolicy.LoopVerdict verdict = d.loopVerdict();
    int threshold = d.repeatThreshold();
    RunsConfig.LoopSimilarity similarity = RunsConfig.DEFAULT.similarity();
    Optional<YamlNode> loops = n.mapping("loops");
    if (loops.isPresent()) {
      verdict = loops.get().enumValue("verdict", RunPolicy.LoopVerdict.class).orElse(verdict);
      threshold = loops.get().integer("repeat_threshold", 2, 1000).map(Long::intValue).orElse(threshold);
      similarity = loops.get().enumValue("similarity", RunsConfig.LoopSimilarity.class).orElse(similarity);
      loops.get().finish();
    }
    n.finish();
    return new RunsConfig(new RunPolicy(calls, tokens, cost, wall, depth, verdict, threshold), similarity);
  }

  private static Timeouts timeouts(YamlNode n, Timeouts defaults) {
    Duration connect = positive(n, "connect").orElse(defaults.connect());
    Duration firstByte = positive(n, "first_byte").orElse(defaults.firstByte());
    Duration idle = positive(n, "idle").orElse(defaults.idle());
    Duration total = positive(n, "total").orElse(defaults.total());
    n.finish();
    return new Timeouts(connect, firstByte, idle, total);
  }

  private static Retry retry(YamlNode n, Retry defaults) {
    int maxRetries = n.integer("max_retries", 0, 100).orElse((long) defaults.maxRetries()).intValue();
    Duration initial = positive(n, "initial_backoff").orElse(defaults.initialBackoff());
    Duration max = positive(n, "max_backoff").orElse(defaults.maxBackoff());
    n.finish();
    if (max.compareTo(initial) < 0) {
      n.problem("'" + n.path() + ".max_backoff' must not be shorter than initial_backoff");
    }
    return new Retry(maxRetries, initial, max);
  }

  private CircuitBreaker breaker(YamlNode n) {
    CircuitBreaker d = CircuitBreaker.DEFAULT;
    int consecutive = n.integer("consecutive_failures", 1, 1_000_000).orElse((long) d.consecutiveFailures()).intValue();
    double ratio = n.decimal("failure_ratio", 0.01, 1.0).orElse(d.failureRatio());
    int minRequests = n.integer("min_requests", 1, 1_000_000).orElse((long) d.minRequests()).intValue();
    Duration window = positive(n, "window").orElse(d.window());
    Duration cooldown = positive(n, "cooldown").orElse(d.cooldown());
    n.finish();
    return new CircuitBreaker(consecutive, ratio, minRequests, window, cooldown);
  }

  private static Optional<Duration> positive(YamlNode n, String key) {
    Optional<Duration> d = n.duration(key);
    if (d.isPresent() && (d.get().isZero() || d.get().isNegative())) {
      n.problemAt(key, "'" + n.path() + "." + key + "' must be longer than zero");
      return Optional.empty();
    }
    return d;
  }

  private static Listen parseListen(YamlNode n, String value) {
    String v = value.trim();
    int colon = v.lastIndexOf(':');
    if (colon <= 0 || colon == v.length() - 1) {
      n.problemAt("listen", "'listen' must be host:port, such as 127.0.0.1:8080 or 0.0.0.0:8080, got '" + value + "'");
      return new Listen("127.0.0.1", 8080);
    }
    String host = v.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    try {
      int port = Integer.parseInt(v.substring(colon + 1));
      if (port < 0 || port > 65535) throw new NumberFormatException();
      return new Listen(host, port);
    } catch (NumberFormatException e) {
      n.problemAt("listen", "'listen' has an invalid port in '" + value + "' (0-65535)");
      return new Listen("127.0.0.1", 8080);
    }
  }
}
