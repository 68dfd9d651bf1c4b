package dev.sluice.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many slow streams held open at once, for the memory benchmark ({@code bench/memory.sh}).
 *
 * <pre>
 * SlowStreams server PORT SECONDS      an upstream whose streams send one chunk per second for SECONDS
 * SlowStreams clients URL COUNT HOLD   opens COUNT streams through URL, holds them HOLD seconds
 * </pre>
 */
public final class SlowStreams {
  private SlowStreams() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "server" -> server(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
      case "clients" -> clients(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      default -> throw new IllegalArgumentException("server PORT SECONDS | clients URL COUNT HOLD");
    }
  }

  static void server(int port, int seconds) throws Exception {
    Vertx vertx = Vertx.vertx();
    vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      HttpServerResponse res = req.response().putHeader("content-type", "text/event-stream").setChunked(true);
      AtomicInteger sent = new AtomicInteger();
      long[] timer = new long[1];
      timer[0] = vertx.setPeriodic(0, 1000, id -> {
        if (res.closed()) {
          vertx.cancelTimer(id);
          return;
        }
        int n = sent.incrementAndGet();
        if (n > seconds) {
          vertx.cancelTimer(id);
          res.write("data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"slow\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
          res.end("data: [DONE]\n\n");
          return;
        }
        res.write("data: {\"id\":\"s\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"slow\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tick " + n + " \"},\"finish_reason\":null}]}\n\n");
      });
    })).listen(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
    System.out.println("slow upstream on 127.0.0.1:" + port);
  }

  static void clients(String url, int count, int holdSeconds) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(count + 10));
    CountDownLatch open = new CountDownLatch(count);
    AtomicInteger failed = new AtomicInteger();
    Buffer body = Buffer.buffer("{\"model\":\"slow\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hold\"}]}");
    for (int i = 0; i < count; i++) {
      client.request(new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
              .putHeader("content-type", "application/json"))
          .compose(r -> r.send(body))
          .onSuccess(resp -> {
            boolean[] first = {true};
            resp.handler(buf -> {
              if (first[0]) {
                first[0] = false;
                open.countDown();
              }
            });
            resp.exceptionHandler(e -> failed.incrementAndGet());
          })
          .onFailure(e -> {
            failed.incrementAndGet();
            open.countDown();
          });
    }
    boolean all = open.await(120, TimeUnit.SECONDS);
    System.out.println("OPEN " + (count - failed.get()) + " of " + count + (all ? "" : " (timed out)"));
    Thread.sleep(holdSeconds * 1000L);
    System.out.println("DONE failed=" + failed.get());
    vertx.close();
  }
}
