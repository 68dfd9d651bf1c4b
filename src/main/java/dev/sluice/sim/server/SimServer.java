package dev.sluice.sim.server;

import dev.sluice.sim.model.EngineStats;
import dev.sluice.sim.profile.Profile;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One emulated inference server: an OpenAI-compatible HTTP endpoint whose timing follows a
 * {@link Profile}'s performance model in real time (or {@code speedup} times faster). Runs in
 * process, for tests and for {@code sluice sim}:
 *
 * <pre>{@code
 * try (SimServer sim = SimServer.start(ProfileLoader.load("h100-vllm-llama3-8b"), SimOptions.defaults())) {
 *   String baseUrl = sim.baseUrl();   // http://127.0.0.1:<port>/v1
 *   EngineStats load = sim.stats();
 * }
 * }</pre>
 *
 * Each server owns one event loop, which runs its HTTP handling, its engine and its scheduler;
 * {@link #stats()} and {@link #metricsText()} may be called from any thread.
 */
public final class SimServer implements AutoCloseable {
  private final Vertx vertx;
  private final boolean ownsVertx;
  private final Profile profile;
  private final SimOptions options;
  private Context context;
  private SimHandler handler;
  private HttpServer server;
  private String deploymentId;

  private SimServer(Vertx vertx, boolean ownsVertx, Profile profile, SimOptions options) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.profile = options.faults() == null ? profile : profile.withFaults(options.faults());
    this.options = options;
  }

  /** Starts a server on its own Vert.x instance and waits until it listens. */
  public static SimServer start(Profile profile, SimOptions options) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    return start(vertx, true, profile, options);
  }

  /** Starts a server on a shared Vert.x instance (one event loop of it) and waits until it listens. */
  public static SimServer start(Vertx vertx, Profile profile, SimOptions options) {
    return start(vertx, false, profile, options);
  }

  private static SimServer start(Vertx vertx, boolean owns, Profile profile, SimOptions options) {
    SimServer s = new SimServer(vertx, owns, profile, options);
    try {
      s.deploymentId = vertx.deployVerticle(s.new Verticle(), new DeploymentOptions().setThreadingModel(ThreadingModel.EVENT_LOOP))
          .await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      s.close();
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalStateException("cannot listen on " + options.host() + ":" + options.port() + ": " + cause.getMessage(), cause);
    }
    return s;
  }

  public Profile profile() {
    return profile;
  }

  public SimOptions options() {
    return options;
  }

  /** The port listened on (the real one when asked for port 0). */
  public int port() {
    return server.actualPort();
  }

  /** {@code http://host:port/v1}, the base URL OpenAI clients take. */
  public String baseUrl() {
    return "http://" + options.host() + ":" + port() + "/v1";
  }

  /** The engine's load figures now. */
  public EngineStats stats() {
    return onLoop(() -> handler.stats());
  }

  /** The {@code /metrics} text now. */
  public String metricsText() {
    return onLoop(() -> handler.metricsText());
  }

  private <T> T onLoop(java.util.function.Supplier<T> read) {
    CompletableFuture<T> f = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        f.complete(read.get());
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    });
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the emulator's event loop did not answer", e);
    }
  }

  @Override
  public void close() {
    try {
      if (deploymentId != null) vertx.undeploy(deploymentId).await(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // best effort
    }
    if (ownsVertx) {
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  /** Binds the handler, engine and scheduler to one event loop. */
  private final class Verticle extends VerticleBase {
    @Override
    public Future<?> start() {
      SimServer.this.context = context;
      RealTimeScheduler scheduler = new RealTimeScheduler(vertx, context, options.speedup());
      handler = new SimHandler(profile, options, scheduler);
      Promise<HttpServer> listening = Promise.promise();
      vertx.createHttpServer(new HttpServerOptions().setHost(options.host()).setPort(options.port()).setTcpNoDelay(true)
              .setCompressionSupported(false).setIdleTimeout(0))
          .requestHandler(handler)
          .listen()
          .onComplete(ar -> {
            if (ar.succeeded()) server = ar.result();
            listening.handle(ar);
          });
      return listening.future();
    }
  }
}
