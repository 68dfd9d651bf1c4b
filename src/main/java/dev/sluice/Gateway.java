package dev.sluice;

import dev.sluice.admit.AdmissionRules;
import dev.sluice.admit.AdmitStage;
import dev.sluice.admit.BudgetAlerts;
import dev.sluice.admit.BudgetGuard;
import dev.sluice.admit.RateLimiter;
import dev.sluice.auth.KeyDirectory;
import dev.sluice.cache.CacheStage;
import dev.sluice.cache.ResponseCache;
import dev.sluice.cache.StoredAnswer;
import dev.sluice.cache.semantic.EmbeddingMatcher;
import dev.sluice.cache.semantic.Verifier;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.sluice.meter.Charges;
import dev.sluice.meter.MeterStage;
import dev.sluice.meter.PlanBook;
import dev.sluice.meter.PriceResolver;
import dev.sluice.meter.TokenEstimator;
import dev.sluice.accesslog.AccessLog;
import dev.sluice.accesslog.ContentLogStage;
import dev.sluice.metrics.PrometheusMetrics;
import dev.sluice.events.GatewayEvents;
import java.util.List;
import dev.sluice.store.Store;
import dev.sluice.store.Stores;
import dev.sluice.config.Durations;
import dev.sluice.config.GatewayConfig;
import dev.sluice.config.GatewayConfig.DeploymentConfig;
import dev.sluice.provider.HttpExchange;
import dev.sluice.provider.UpstreamHttp;
import dev.sluice.provider.anthropic.AnthropicProvider;
import dev.sluice.provider.local.Embedder;
import dev.sluice.provider.local.LocalEmbeddingsProvider;
import dev.sluice.provider.local.MiniLm;
import dev.sluice.provider.openai.OpenAiProvider;
import dev.sluice.route.Catalog;
import dev.sluice.runs.RunGuardStage;
import dev.sluice.runs.RunPolicies;
import dev.sluice.runs.RunsConfig;
import dev.sluice.runs.RunTracker;
import dev.sluice.runs.loop.LoopDetector;
import dev.sluice.server.HttpEdge;
import dev.sluice.server.Snapshot;
import dev.sluice.server.SpinningNioTransport;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: turns a {@link GatewayConfig} into a running gateway (providers, catalog,
 * pipeline, HTTP servers) and swaps in a new configuration without dropping requests in flight.
 *
 * <pre>{@code
 * try (Gateway g = Gateway.start(config)) {
 *   int port = g.port();
 *   ...
 * }
 * }</pre>
 */
public final class Gateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);
  /** How long a run stays in memory after its last call (its totals stay in the ledger). */
  private static final java.time.Duration RUN_IDLE = java.time.Duration.ofMinutes(10);

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final UpstreamHttp http;
  private final HttpExchange exchange;
  private final LongSupplier nanoClock = System::nanoTime;
  private final AtomicReference<Snapshot> current = new AtomicReference<>();
  private final Providers providers;
  private final InstantSource clock = InstantSource.system();
  private volatile int port;
  private KeyDirectory keys;
  private final List<HttpServer> servers = new ArrayList<>(); // guarded by this
  private final List<HttpClient> clients = new ArrayList<>(); // guarded by this
  private final List<String> serverThreads = new ArrayList<>(); // guarded by this
  private Store store;
  private AdmissionRules rules;
  private RateLimiter limiter;
  private BudgetGuard budgets;
  private BudgetAlerts alerts;
  private PriceResolver prices;
  private TokenEstimator estimator;
  private PrometheusMetrics metrics;
  private AccessLog accessLog;
  private GatewayEvents events = GatewayEvents.NONE;
  private ResponseCache responseCache;
  private EmbeddingMatcher<StoredAnswer> semanticMatcher; // loads the model on its first question only
  private RunTracker runs;
  private RunPolicies runPolicies;


  private Gateway(Vertx vertx, boolean ownsVertx) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.http = new UpstreamHttp(vertx);
    this.exchange = new HttpExchange(http);
    this.providers = new Providers(exchange);
  }

  /** Starts a gateway on its own Vert.x instance and waits until it listens. */
  public static Gateway start(GatewayConfig config) {
    int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(loops);
    Vertx vertx = config.eventLoopSpin().isZero() ? Vertx.vertx(options)
        : Vertx.builder().with(options).withTransport(new SpinningNioTransport(config.eventLoopSpin())).build();
    Gateway g = new Gateway(vertx, true);
    try {
      g.startServers(config, loops);
    } catch (RuntimeException e) {
      g.close();
      throw e;
    }
    return g;
  }

  private void startServers(GatewayConfig config, int instances) {
    try {
      store = Stores.open(config.store());
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot open the store " + config.store() + ": " + e.getMessage(), e);
    }
    log.info("store: {}", store.describe());

    rules = new AdmissionRules(store, vertx);
    limiter = new RateLimiter(nanoClock);
    budgets = new BudgetGuard(config.timeZone());
    alerts = new BudgetAlerts(store.budgets(), vertx);
    prices = PriceResolver.shipped();
    metrics = new PrometheusMetrics(() -> current.get() == null ? null : current.get().catalog(), nanoClock);
    accessLog = AccessLog.open(config.accessLog());
    events = GatewayEvents.all(accessLog == null ? List.of(metrics) : List.of(metrics, accessLog));
    estimator = new TokenEstimator(prices);
    semanticMatcher = new EmbeddingMatcher<>(this::embedder, Verifier.shipped(), EmbeddingMatcher.DEFAULT_MAX_ENTRIES,
        answer -> answer.ttl().toNanos());
    responseCache = new ResponseCache(config.cache().memoryBytes(), Ticker.systemTicker(), Runnable::run,
        Optional.of(semanticMatcher));
    runs = new RunTracker(store, vertx, clock, nanoClock, events);
    runPolicies = new RunPolicies(store.runs(), vertx);
    vertx.setPeriodic(60_000, id -> runs.evictIdle(RUN_IDLE));
    current.set(snapshot(config, null));
    HttpEdge edge = new HttpEdge(current::get, nanoClock, store, vertx, clock, metrics::scrape, responseCache::purge,
        runs, runPolicies);
    listen(edge, config.listen(), instances);
  }

  /** Swaps in a new configuration; requests in flight finish under the one they started with. */
  public void reload(GatewayConfig config) {
    Snapshot old = current.get();
    if (!config.listen().equals(old.config().listen())) {
      log.warn("config: listen changed from {} to {}; this takes effect after a restart", old.config().listen(), config.listen());
    }
    if (!config.eventLoopSpin().equals(old.config().eventLoopSpin())) {
      log.warn("config: event_loop_spin changed from {} to {}; this takes effect after a restart",
          Durations.format(old.config().eventLoopSpin()), Durations.format(config.eventLoopSpin()));
    }
    current.set(snapshot(config, old.catalog()));
  }

  /** The configuration in force. */
  public GatewayConfig config() {
    return current.get().config();
  }

  /** The port the gateway listens on (the real one when the config asked for port 0). */
  public int port() {
    return port;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The response cache, shared by every configuration the gateway runs. */
  public ResponseCache responseCache() {
    return responseCache;
  }

  /**
   * The in-process embedding model, shared by every {@code local} deployment and by anything else
   * in the gateway that embeds text. Started by the first local deployment, or here on first use.
   */
  public Embedder embedder() {
    return providers.localEmbedder();
  }

  private Snapshot snapshot(GatewayConfig config, Catalog previous) {
    Catalog catalog = Catalog.build(config, providers::create, previous);
    // MiniLM near-duplicates: the model starts loading now, on its own thread, not on a run's first call
    if (config.runs().similarity() == RunsConfig.LoopSimilarity.MINILM) providers.localEmbedder();
    keys = keys == null ? new KeyDirectory(config, store.keys(), vertx, clock) : keys.withConfig(config);
    declareTenants(config);
    PlanBook plans = new PlanBook(config, store.tenants(), vertx);
    Charges charges = new Charges(plans, store.ledger(), vertx, config.timeZone());
    var meter = new MeterStage(store.ledger(), catalog, prices, charges, clock, nanoClock, events);
    var admit = new AdmitStage(rules, limiter, budgets, alerts, store.ledger(), estimator, catalog, charges, vertx, clock);
    return new Snapshot(config, catalog, keys, plans, rules,
        Pipelines.modelCall(catalog, keys, meter, ContentLogStage.of(config, accessLog, clock), admit,
            new RunGuardStage(runs, runPolicies, LoopDetector.forGateway(config.runs().similarity(),
                providers::localEmbedder), store.runs(), catalog, estimator, vertx, clock, events),
            new CacheStage(responseCache, config, vertx), vertx, nanoClock, events, providers::localEmbedder),
        Instant.now().getEpochSecond());
  }

  /** Tenants declared in the config exist in the store too, so budgets and usage can name them. */
  private void declareTenants(GatewayConfig config) {
    for (GatewayConfig.TenantConfig t : config.tenants()) {
      try {
        if (store.tenants().byName(t.name()).isEmpty()) store.tenants().create(t.name(), t.plan().orElse(null));
        else t.plan().ifPresent(plan -> store.tenants().updatePlan(t.name(), plan));
      } catch (RuntimeException e) {
        log.warn("config: could not record tenant {} in the store: {}", t.name(), e.getMessage());
      }
    }
  }

  @Override
  public void close() {
    try {
      List<Future<Void>> closing = new ArrayList<>();
      synchronized (this) {
        for (HttpServer server : servers) closing.add(server.close());
        for (HttpClient client : clients) closing.add(client.close());
      }
      Future.join(closing).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("closing the servers: {}", e.toString());
    }
    if (semanticMatcher != null) semanticMatcher.close();
    providers.close();
    if (rules != null) rules.close();
    if (accessLog != null) accessLog.close();
    if (store != null) store.close();
    if (ownsVertx) {
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.debug("close: {}", e.toString());
      }
    }
  }

  /**
   * Starts one HTTP server on each of the first {@code count} event loops, all sharing the port, each
   * loop with its own upstream client, and waits until they listen.
   *
   * <p>Each server is placed on its loop explicitly. Deploying {@code count} verticle instances
   * instead lets Vert.x pick their loops round robin from a counter that other startup work
   * advances too, and two instances then often share one loop: on two cores, four starts in six
   * served every connection from a single loop, with a fifth less throughput.
   */
  private void listen(HttpEdge edge, GatewayConfig.Listen listen, int count) {
    VertxInternal vx = (VertxInternal) vertx;
    List<Future<HttpServer>> started = new ArrayList<>();
    Iterator<EventExecutor> loops = vx.nettyEventLoopGroup().iterator();
    for (int i = 0; i < count && loops.hasNext(); i++) {
      ContextInternal context = vx.contextBuilder().withThreadingModel(ThreadingModel.EVENT_LOOP)
          .withEventLoop((EventLoop) loops.next()).build();
      Promise<HttpServer> listening = context.promise();
      context.runOnContext(v -> {
        HttpClient client = UpstreamHttp.newClient(vertx);
        synchronized (this) {
          clients.add(client);
          serverThreads.add(Thread.currentThread().getName());
        }
        http.bindToCurrentThread(client);
        HttpServerOptions options = new HttpServerOptions()
            .setHost(listen.host())
            .setPort(listen.port())
            .setTcpNoDelay(true)
            .setCompressionSupported(false)
            // Sluice serves no WebSockets; with these on, Netty inspects every request and
            // response for a WebSocket extension handshake.
            .setPerMessageWebSocketCompressionSupported(false)
            .setPerFrameWebSocketCompressionSupported(false)
            .setMaxInitialLineLength(8192)
            .setMaxHeaderSize(64 * 1024)
            .setIdleTimeout(0);
        vertx.createHttpServer(options).requestHandler(edge).listen().onComplete(listening);
      });
      started.add(listening.future());
    }
    try {
      Future.all(started).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException("cannot listen on " + listen + ": " + cause.getMessage(), cause);
    } finally {
      synchronized (this) {
        for (Future<HttpServer> f : started) {
          if (f.succeeded()) servers.add(f.result());
        }
      }
    }
    port = servers.getFirst().actualPort();
  }

  /** The names of the threads the HTTP servers run on, one per server. */
  synchronized List<String> serverThreads() {
    return List.copyOf(serverThreads);
  }

  /** Creates providers per deployment kind; the in-process model is one shared instance. */
  private static final class Providers {
    private final HttpExchange exchange;
    private Embedder embedder; // guarded by this; started by the first local deployment

    Providers(HttpExchange exchange) {
      this.exchange = exchange;
    }

    Object create(String model, DeploymentConfig d) {
      return switch (d.provider()) {
        case OPENAI -> new OpenAiProvider(d, exchange);
        case ANTHROPIC -> new AnthropicProvider(d, exchange, InstantSource.system());
        case LOCAL -> new LocalEmbeddingsProvider(localEmbedder());
      };
    }

    /** The shared embedder; its model loads on its own thread, so this never blocks for long. */
    synchronized Embedder localEmbedder() {
      if (embedder == null) embedder = MiniLm.start();
      return embedder;
    }

    synchronized void close() {
      if (embedder != null) embedder.close();
    }
  }
}
