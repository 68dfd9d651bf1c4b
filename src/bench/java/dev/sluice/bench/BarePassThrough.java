package dev.sluice.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The floor for the gateway overhead benchmark: the least a Vert.x proxy can do. It forwards each
 * request's body unchanged to the upstream (same path) and pipes the answer back, streaming or not,
 * with the same threading as Sluice (one server and one upstream client per event loop). No
 * parsing, no routing, no error handling beyond closing the connection. Benchmark-only: never
 * part of the product.
 *
 * <pre>
 * java -cp target/test-classes:$(cat target/bench.classpath) dev.sluice.bench.BarePassThrough 18090 http://127.0.0.1:18080
 * </pre>
 */
public final class BarePassThrough extends VerticleBase {
  private final int port;
  private final String upstreamHost;
  private final int upstreamPort;
  private HttpClient client;

  BarePassThrough(int port, String upstreamHost, int upstreamPort) {
    this.port = port;
    this.upstreamHost = upstreamHost;
    this.upstreamPort = upstreamPort;
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    java.net.URI upstream = java.net.URI.create(args[1]);
    int loops = Runtime.getRuntime().availableProcessors();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
    vertx.deployVerticle(() -> new BarePassThrough(port, upstream.getHost(), upstream.getPort()),
            new DeploymentOptions().setInstances(loops))
        .onSuccess(id -> System.out.println("bare pass-through on 127.0.0.1:" + port + " -> " + upstream))
        .onFailure(err -> {
          err.printStackTrace();
          System.exit(1);
        });
  }

  @Override
  public Future<?> start() {
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
        new PoolOptions().setHttp1MaxSize(2000));
    return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setTcpNoDelay(true))
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
}
