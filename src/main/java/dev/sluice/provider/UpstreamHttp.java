package dev.sluice.provider;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;

/**
 * The HTTP clients providers call upstreams with: one per event loop, so that a request and its
 * upstream connection stay on the same thread, and a shared one for callers off the event loops.
 */
public final class UpstreamHttp {
  private final Vertx vertx;
  private final HttpClient shared;
  private final ThreadLocal<HttpClient> perLoop = new ThreadLocal<>();

  public UpstreamHttp(Vertx vertx) {
    this.vertx = vertx;
    this.shared = newClient(vertx);
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Makes {@code client} the one used by calls from the current thread (an event loop). */
  public void bindToCurrentThread(HttpClient client) {
    perLoop.set(client);
  }

  /** The client for the calling thread. */
  public HttpClient client() {
    HttpClient c = perLoop.get();
    return c != null ? c : shared;
  }

  /** A client tuned for upstream calls: keep-alive, no Nagle, a large pool per upstream host. */
  public static HttpClient newClient(Vertx vertx) {
    HttpClientOptions options = new HttpClientOptions()
        .setKeepAlive(true)
        .setKeepAliveTimeout(60)
        .setTcpNoDelay(true)
        .setPipelining(false)
        .setMaxInitialLineLength(8192)
        .setMaxHeaderSize(64 * 1024)
        .setDecompressionSupported(false)
        .setName("sluice-upstream");
    PoolOptions pool = new PoolOptions().setHttp1MaxSize(2000).setMaxWaitQueueSize(-1);
    return vertx.createHttpClient(options, pool);
  }
}
