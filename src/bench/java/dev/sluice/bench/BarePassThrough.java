package dev.sluice.bench;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;

/**
 * The floor for the gateway overhead benchmark: the least a Vert.x proxy can do. It forwards each
 * request's body unchanged to the upstream (same path) and pipes the answer back, streaming or not,
 * with the same threading as Sluice (one server and one upstream client per event loop). No
 * parsing, no routing, no error handling beyond closing the connection. Benchmark-only: never
 * part of the product.
 *
 * <p>With {@code --virtual-threads} the same proxy runs as blocking code on virtual threads
 * (Vert.x's virtual-thread verticles, {@code Future.await}), to measure what that threading model
 * costs against the event loop on this path.
 *
 * <pre>
 * java -cp target/test-classes:$(cat target/bench.classpath) dev.sluice.bench.BarePassThrough 18090 http://127.0.0.1:18080 [--virtual-threads]
 * </pre>
 */
public final class BarePassThrough extends VerticleBase {
  private final int port;
  private final String upstreamHost;
  private final int upstreamPort;
  private final boolean blocking;
  private HttpClient client;

  BarePassThrough(int port, String upstreamHost, int upstreamPort, boolean blocking) {
    this.port = port;
    this.upstreamHost = upstreamHost;
    this.upstreamPort = upstreamPort;
    this.blocking = blocking;
  }

  public static void main(String[] args) throws InterruptedException {
    int port = Integer.parseInt(args[0]);
    java.net.URI upstream = java.net.URI.create(args[1]);
    boolean virtual = args.length > 2 && args[2].equals("--virtual-threads");
    int loops = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
    if (virtual) {
      vertx.deployVerticle(() -> new BarePassThrough(port, upstream.getHost(), upstream.getPort(), true),
              new DeploymentOptions().setInstances(loops).setThreadingModel(ThreadingModel.VIRTUAL_THREAD))
          .onSuccess(id -> System.out.println("bare pass-through on 127.0.0.1:" + port + " -> " + upstream))
          .onFailure(BarePassThrough::die);
    } else {
      // One instance on each event loop, placed as Sluice places its servers.
      VertxInternal vx = (VertxInternal) vertx;
      List<Future<?>> started = new ArrayList<>();
      for (EventExecutor loop : vx.nettyEventLoopGroup()) {
        ContextInternal context = vx.contextBuilder().withThreadingModel(ThreadingModel.EVENT_LOOP)
            .withEventLoop((EventLoop) loop).build();
        Promise<Void> listening = context.promise();
        context.runOnContext(v -> {
          BarePassThrough proxy = new BarePassThrough(port, upstream.getHost(), upstream.getPort(), false);
          proxy.init(vertx, context);
          proxy.start().<Void>mapEmpty().onComplete(listening);
        });
        started.add(listening.future());
      }
      Future.all(started)
          .onSuccess(id -> System.out.println("bare pass-through on 127.0.0.1:" + port + " -> " + upstream))
          .onFailure(BarePassThrough::die);
    }
    // Virtual-thread verticles leave no non-daemon thread behind: keep the process alive.
    Thread.currentThread().join();
  }

  private static void die(Throwable err) {
    err.printStackTrace();
    System.exit(1);
  }

  @Override
  public Future<?> start() {
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(2000));
    var server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setTcpNoDelay(true)
        // As in Sluice: no WebSocket extension handler inspecting every request and response.
        .setPerMessageWebSocketCompressionSupported(false).setPerFrameWebSocketCompressionSupported(false));
    if (blocking) {
      return server.requestHandler(this::blockingHandle).listen();
    }
    return server
        .requestHandler(req -> req.body().onSuccess(body -> {
          RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(upstreamHost)
              .setPort(upstreamPort).setURI(req.uri()).putHeader("content-type", "application/json");
          client.request(options)
              .compose(up -> up.send(body))
              .onSuccess(resp -> {
                var out = req.response().setStatusCode(resp.statusCode());
                String type = resp.getHeader("content-type");
                if (type != null) out.putHeader("content-type", type);
                if (type != null && type.startsWith("text/event-stream")) {
                  out.setChunked(true);
                  resp.pipeTo(out);
                } else {
                  resp.body().onSuccess(out::end).onFailure(err -> req.connection().close());
                }
              })
              .onFailure(err -> req.response().setStatusCode(502).end());
        }))
        .listen();
  }

  /** The same proxy as plain blocking code; runs on a virtual thread, each await parks it. */
  private void blockingHandle(io.vertx.core.http.HttpServerRequest req) {
    try {
      var body = req.body().await();
      RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(upstreamHost)
          .setPort(upstreamPort).setURI(req.uri()).putHeader("content-type", "application/json");
      var up = client.request(options).await();
      var resp = up.send(body).await();
      var out = req.response().setStatusCode(resp.statusCode());
      String type = resp.getHeader("content-type");
      if (type != null) out.putHeader("content-type", type);
      if (type != null && type.startsWith("text/event-stream")) {
        out.setChunked(true);
        resp.pipeTo(out).await();
      } else {
        out.end(resp.body().await()).await();
      }
    } catch (RuntimeException e) {
      req.response().setStatusCode(502).end();
    }
  }
}
