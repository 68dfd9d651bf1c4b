package dev.sluice.provider;

import dev.sluice.api.JsonBody;
import dev.sluice.config.GatewayConfig.Timeouts;
import dev.sluice.error.GatewayError;
import dev.sluice.provider.UpstreamFailure.TimedOut.Phase;
import dev.sluice.stream.ChunkEmitter;
import dev.sluice.stream.ChunkStream;
import dev.sluice.stream.SseParser;
import io.netty.channel.ConnectTimeoutException;
import io.netty.util.AsciiString;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The two shapes of an upstream HTTP call that providers share: POST JSON and read one JSON
 * answer, or POST JSON and read an SSE stream. Enforces the deployment's timeouts (connect, first
 * byte, idle between stream chunks, total) and turns every way of failing into an
 * {@link UpstreamFailure}.
 *
 * <p>All callbacks run on the calling event loop. Timers are cancelled on every exit path.
 */
public final class HttpExchange {
  private final UpstreamHttp http;
  private final Vertx vertx;

  public HttpExchange(UpstreamHttp http) {
    this.http = http;
    this.vertx = http.vertx();
  }

  /**
   * Headers sent unchanged with every call to one deployment: the provider's own, each replaced by
   * (or joined by) the deployment's configured {@code headers}, in a map that holds each name and
   * value as ASCII bytes. Netty copies such a header into the request in one go, where it writes a
   * {@code String} one character at a time. As when Netty writes a {@code String}, a character
   * beyond Latin-1 becomes {@code ?}.
   */
  public static MultiMap fixedHeaders(MultiMap providers, Map<String, String> configured) {
    MultiMap fixed = MultiMap.caseInsensitiveMultiMap();
    for (Map.Entry<String, String> h : providers) fixed.add(new AsciiString(h.getKey()), new AsciiString(h.getValue()));
    configured.forEach((name, value) -> fixed.set(new AsciiString(name), new AsciiString(value)));
    return fixed;
  }

  /** What to send. */
  public record Post(Endpoint endpoint, MultiMap headers, Buffer body, Timeouts timeouts, long deadlineNanos) {}

  /** An upstream URL, taken apart once when a provider is created rather than on every call. */
  public record Endpoint(String host, int port, boolean ssl, String uri) {
    public static Endpoint of(String url) {
      java.net.URI u = java.net.URI.create(url);
      boolean ssl = "https".equalsIgnoreCase(u.getScheme());
      int port = u.getPort() != -1 ? u.getPort() : (ssl ? 443 : 80);
      String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
      String uri = u.getRawQuery() == null ? path : path + "?" + u.getRawQuery();
      return new Endpoint(u.getHost(), port, ssl, uri);
    }

    @Override
    public String toString() {
      return (ssl ? "https://" : "http://") + host + ":" + port + uri;
    }
  }

  /**
   * POSTs and decodes one JSON answer with {@code decode}, which throws {@link UpstreamException} on
   * a bad body. A non-streaming upstream sends its first byte when the answer is ready, so one
   * timer covers the whole exchange: the first-byte timeout, or what is left of the total.
   */
  public Future<JsonBody> json(Post post, Function<Buffer, JsonBody> decode) {
    Promise<JsonBody> result = Promise.promise();
    long limitMs = Math.max(1, Math.min(post.timeouts().firstByte().toMillis(), remainingMs(post)));
    Phase phase = limitMs < post.timeouts().firstByte().toMillis() ? Phase.TOTAL : Phase.FIRST_BYTE;
    open(post).onComplete(opened -> {
      if (opened.failed()) {
        result.tryFail(opened.cause());
        return;
      }
      HttpClientRequest request = opened.result();
      long timer = vertx.setTimer(limitMs, id -> {
        result.tryFail(new UpstreamException(new UpstreamFailure.TimedOut(phase, Duration.ofMillis(limitMs))));
        request.reset();
      });
      request.send(post.body()).onComplete(sent -> {
        if (sent.failed()) {
          vertx.cancelTimer(timer);
          result.tryFail(new UpstreamException(new UpstreamFailure.Broken(describe(sent.cause()))));
          return;
        }
        HttpClientResponse response = sent.result();
        response.body().onComplete(read -> {
          vertx.cancelTimer(timer);
          if (read.failed()) {
            result.tryFail(new UpstreamException(new UpstreamFailure.Broken(describe(read.cause()))));
            return;
          }
          int status = response.statusCode();
          if (status / 100 != 2) {
            result.tryFail(new UpstreamException(UpstreamErrors.read(status, read.result(), retryAfter(response))));
            return;
          }
          try {
            result.tryComplete(decode.apply(read.result()));
          } catch (UpstreamException e) {
            result.tryFail(e);
          }
        });
      });
    });
    return result.future();
  }

  /**
   * POSTs and reads an SSE stream through {@code decoder}. The future completes with the stream
   * once its first chunk has arrived; failures before that fail the future (the attempt can be
   * retried), failures after it end the stream with an error.
   */
  public Future<ChunkStream> sse(Post post, StreamDecoder decoder) {
    Promise<ChunkStream> ready = Promise.promise();
    long firstByteMs = Math.max(1, Math.min(post.timeouts().firstByte().toMillis(), remainingMs(post)));
    Phase firstPhase = firstByteMs < post.timeouts().firstByte().toMillis() ? Phase.TOTAL : Phase.FIRST_BYTE;
    long idleMs = post.timeouts().idle().toMillis();
    open(post).onComplete(opened -> {
      if (opened.failed()) {
        ready.tryFail(opened.cause());
        return;
      }
      HttpClientRequest request = opened.result();
      StreamState s = new StreamState(request);
      s.emitter = new ChunkEmitter(s);
      s.timer = vertx.setTimer(firstByteMs, id -> {
        s.timer = -1;
        ready.tryFail(new UpstreamException(new UpstreamFailure.TimedOut(firstPhase, Duration.ofMillis(firstByteMs))));
        s.emitter.fail(new GatewayError.StreamInterrupted("The upstream sent nothing within " + firstByteMs + " ms."));
        s.cancelTimers();
        request.reset();
      });
      long deadlineMs = Math.max(1, remainingMs(post));
      s.deadlineTimer = vertx.setTimer(deadlineMs, id -> {
        s.deadlineTimer = -1;
        UpstreamFailure f = new UpstreamFailure.TimedOut(Phase.TOTAL, Duration.ofMillis(deadlineMs));
        ready.tryFail(new UpstreamException(f));
        s.emitter.fail(new GatewayError.StreamInterrupted("The upstream stream did not finish in time: " + f.summary()));
        s.cancelTimers();
        request.reset();
      });
      request.send(post.body()).onComplete(sent -> {
        if (sent.failed()) {
          s.cancelTimers();
          ready.tryFail(new UpstreamException(new UpstreamFailure.Broken(describe(sent.cause()))));
          return;
        }
        HttpClientResponse response = sent.result();
        s.response = response;
        int status = response.statusCode();
        String contentType = response.getHeader("content-type");
        if (status / 100 != 2 || contentType == null || !contentType.contains("text/event-stream")) {
          response.body().onComplete(read -> {
            s.cancelTimers();
            if (read.failed()) {
              ready.tryFail(new UpstreamException(new UpstreamFailure.Broken(describe(read.cause()))));
            } else if (status / 100 != 2) {
              ready.tryFail(new UpstreamException(UpstreamErrors.read(status, read.result(), retryAfter(response))));
            } else {
              ready.tryFail(new UpstreamException(new UpstreamFailure.Malformed(
                  "expected an event stream, got " + (contentType == null ? "no content type" : contentType))));
            }
          });
          return;
        }
        SseParser parser = new SseParser((event, data) -> {
          if (s.emitter.isEnded() || s.emitter.isCancelled()) return;
          try {
            decoder.onEvent(event, data, s.emitter);
          } catch (UpstreamException e) {
            s.cancelTimers();
            if (!ready.tryFail(e)) {
              s.emitter.fail(new GatewayError.StreamInterrupted("The upstream stream failed: " + e.failure().summary()));
            }
            request.reset();
            return;
          }
          if (s.emitter.emittedCount() > 0 && !ready.future().isComplete()) {
            ready.tryComplete(s.emitter);
          }
          if (s.emitter.isEnded()) {
            s.cancelTimers();
            ready.tryComplete(s.emitter);
          }
        });
        response.handler(buffer -> {
          if (s.emitter.isEnded() || s.emitter.isCancelled()) return;
          byte[] bytes = buffer.getBytes();
          parser.feed(bytes, 0, bytes.length);
          // After the first chunk, every arrival restarts the idle timer (replacing the first-byte one).
          if (!s.emitter.isEnded() && s.emitter.emittedCount() > 0 && idleMs > 0) {
            s.restartIdle(idleMs);
          }
        });
        response.exceptionHandler(err -> {
          s.cancelTimers();
          UpstreamFailure f = new UpstreamFailure.Broken(describe(err));
          if (!ready.tryFail(new UpstreamException(f))) {
            s.emitter.fail(new GatewayError.StreamInterrupted("The upstream stream broke off: " + f.summary()));
          }
        });
        response.endHandler(v -> {
          parser.end();
          s.cancelTimers();
          if (s.emitter.isEnded() || s.emitter.isCancelled()) {
            ready.tryComplete(s.emitter);
            return;
          }
          if (decoder.endedWithoutMarker()) {
            s.emitter.complete();
            ready.tryComplete(s.emitter);
            return;
          }
          UpstreamFailure f = new UpstreamFailure.Broken("the stream ended before its final event");
          if (!ready.tryFail(new UpstreamException(f))) {
            s.emitter.fail(new GatewayError.StreamInterrupted("The upstream stream ended before it was complete."));
          }
        });
      });
    });
    return ready.future();
  }

  /** The per-stream state shared by the callbacks, and the flow control handed to the consumer. */
  private final class StreamState implements ChunkEmitter.Flow {
    final HttpClientRequest request;
    HttpClientResponse response;
    ChunkEmitter emitter;
    long timer = -1;
    long deadlineTimer = -1;

    StreamState(HttpClientRequest request) {
      this.request = request;
    }

    void restartIdle(long idleMs) {
      if (timer != -1) vertx.cancelTimer(timer);
      timer = vertx.setTimer(idleMs, id -> {
        timer = -1;
        emitter.fail(new GatewayError.StreamInterrupted(
            "The upstream stream stalled: no data within " + idleMs + " ms (idle timeout)."));
        cancelTimers();
        request.reset();
      });
    }

    void cancelTimers() {
      if (timer != -1) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
      if (deadlineTimer != -1) {
        vertx.cancelTimer(deadlineTimer);
        deadlineTimer = -1;
      }
    }

    @Override
    public void pause() {
      if (response != null) response.pause();
    }

    @Override
    public void resume() {
      if (response != null) response.resume();
    }

    @Override
    public void cancel() {
      cancelTimers();
      request.reset();
    }
  }

  private Future<HttpClientRequest> open(Post post) {
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setHost(post.endpoint().host())
        .setPort(post.endpoint().port())
        .setSsl(post.endpoint().ssl())
        .setURI(post.endpoint().uri())
        .setConnectTimeout(Math.max(1, Math.min(post.timeouts().connect().toMillis(), remainingMs(post))))
        .setHeaders(post.headers());
    return http.client().request(options).recover(err -> Future.failedFuture(new UpstreamException(
        isTimeout(err)
            ? new UpstreamFailure.TimedOut(Phase.CONNECT, post.timeouts().connect())
            : new UpstreamFailure.ConnectFailed(describe(err)))));
  }

  private static long remainingMs(Post post) {
    return (post.deadlineNanos() - System.nanoTime()) / 1_000_000;
  }

  private static boolean isTimeout(Throwable err) {
    return err instanceof ConnectTimeoutException || err instanceof TimeoutException
        || (err.getMessage() != null && err.getMessage().toLowerCase().contains("timed out"));
  }

  private static Duration retryAfter(HttpClientResponse response) {
    return RetryAfter.parse(response.getHeader("retry-after-ms"), response.getHeader("retry-after"), Instant.now());
  }

  static String describe(Throwable err) {
    String m = err.getMessage();
    String name = err.getClass().getSimpleName();
    return m == null || m.isBlank() ? name : m;
  }
}
