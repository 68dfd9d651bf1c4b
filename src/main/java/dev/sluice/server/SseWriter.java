package dev.sluice.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.sluice.api.Json;
import dev.sluice.error.ErrorWire;
import dev.sluice.error.GatewayError;
import dev.sluice.stream.Chunk;
import dev.sluice.stream.ChunkStream;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;

/**
 * Writes a {@link ChunkStream} to the client as OpenAI-style Server-Sent Events: one
 * {@code data: <json>} event per chunk, {@code data: [DONE]} at the end. A stream that breaks
 * after it started ends with an error event ({@code data: {"error":{...}}}), which the OpenAI SDKs
 * raise as an API error ({@code event: error} names it for clients that read event names), never
 * with a silent truncation. Carries the client's backpressure to the
 * upstream, and cancels the upstream when the client goes away.
 */
final class SseWriter implements ChunkStream.Subscriber {
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END_OF_EVENT = "\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");
  private static final byte[] ERROR_EVENT = "event: error\n".getBytes(StandardCharsets.US_ASCII);

  private final HttpServerResponse response;
  private final ChunkStream stream;
  private final boolean includeUsage;
  private final Context context;
  private Buffer pending;
  private boolean flushScheduled;
  private boolean closed;

  private SseWriter(HttpServerResponse response, ChunkStream stream, boolean includeUsage, Context context) {
    this.response = response;
    this.stream = stream;
    this.includeUsage = includeUsage;
    this.context = context;
  }

  /**
   * Starts writing {@code stream} to {@code response}, whose status and headers are set already.
   *
   * @param includeUsage whether to pass on the usage-only chunk (the client asked for it)
   */
  static void start(HttpServerResponse response, ChunkStream stream, boolean includeUsage) {
    SseWriter writer = new SseWriter(response, stream, includeUsage, Vertx.currentContext());
    response.closeHandler(v -> writer.clientGone());
    response.exceptionHandler(err -> writer.clientGone());
    response.drainHandler(v -> stream.resume());
    stream.subscribe(writer);
  }

  /**
   * Chunks that arrive together (several events in one upstream read) are written together: the
   * first one schedules a flush on the event loop, which runs once the current burst is done. This
   * costs one socket write per burst instead of one per chunk, and delays nothing.
   */
  @Override
  public void onChunk(Chunk chunk) {
    if (closed) return;
    if (!includeUsage && chunk.isUsageOnly()) return;
    Buffer event = event(chunk.data());
    if (context == null) {
      write(event);
      return;
    }
    if (pending == null) pending = event; else pending.appendBuffer(event);
    if (!flushScheduled) {
      flushScheduled = true;
      context.runOnContext(v -> flush());
    }
  }

  private void flush() {
    flushScheduled = false;
    if (closed || pending == null) return;
    Buffer out = pending;
    pending = null;
    write(out);
  }

  private void write(Buffer buffer) {
    response.write(buffer);
    if (response.writeQueueFull()) {
      stream.pause();
    }
  }

  /** What is still to be written, followed by {@code last}. */
  private Buffer withPending(Buffer last) {
    if (pending == null) return last;
    Buffer out = pending.appendBuffer(last);
    pending = null;
    return out;
  }

  @Override
  public void onComplete() {
    if (closed) return;
    closed = true;
    response.end(withPending(DONE.copy()));
  }

  @Override
  public void onError(GatewayError error) {
    if (closed) return;
    closed = true;
    ErrorWire.Response wire = ErrorWire.of(error);
    try {
      // "event: error" for clients that dispatch on the event name (LangChain4j), an "error" key in
      // the data for those that look there (the OpenAI SDKs): both raise instead of truncating.
      response.end(withPending(Buffer.buffer(ERROR_EVENT).appendBuffer(event(Json.MAPPER.writeValueAsString(wire.body())))));
    } catch (JsonProcessingException e) {
      response.end(withPending(Buffer.buffer()));
    }
  }

  private void clientGone() {
    if (closed) return;
    closed = true;
    pending = null;
    stream.cancel();
  }

  /**
   * One {@code data:} event. JSON text spanning several lines (an upstream that pretty-prints)
   * becomes several {@code data:} lines, which SSE readers join back, so no line break can end
   * the event early or inject a field.
   */
  static Buffer event(String json) {
    if (json.indexOf('\n') >= 0 || json.indexOf('\r') >= 0) {
      Buffer b = Buffer.buffer(json.length() + 16);
      for (String line : json.split("\r\n|\r|\n", -1)) {
        b.appendBytes(DATA).appendString(line, "UTF-8").appendByte((byte) '\n');
      }
      return b.appendByte((byte) '\n');
    }
    byte[] payload = json.getBytes(StandardCharsets.UTF_8);
    Buffer b = Buffer.buffer(payload.length + 8);
    b.appendBytes(DATA).appendBytes(payload).appendBytes(END_OF_EVENT);
    return b;
  }
}
