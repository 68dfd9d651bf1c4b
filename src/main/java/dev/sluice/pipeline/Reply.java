package dev.sluice.pipeline;

import dev.sluice.api.JsonBody;
import dev.sluice.stream.ChunkStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the pipeline answers: a whole JSON response, or a stream of chunks. Stages that need the
 * totals of a stream (metering, caching) wrap the stream; they never buffer it.
 */
public sealed interface Reply permits Reply.Complete, Reply.Streaming {

  /** What answered. */
  Served served();

  /** Extra response headers that stages add ({@code X-Sluice-*}). */
  Map<String, String> headers();

  Reply withHeader(String name, String value);

  /** A complete JSON response body (OpenAI format), passed on as received unless a stage replaces it. */
  record Complete(JsonBody body, Served served, Map<String, String> headers) implements Reply {
    public Complete(JsonBody body, Served served) {
      this(body, served, Map.of());
    }

    @Override
    public Complete withHeader(String name, String value) {
      return new Complete(body, served, plus(headers, name, value));
    }
  }

  /** A stream of OpenAI chat-completion chunks; the HTTP edge writes it as SSE. */
  record Streaming(ChunkStream chunks, Served served, Map<String, String> headers) implements Reply {
    public Streaming(ChunkStream chunks, Served served) {
      this(chunks, served, Map.of());
    }

    @Override
    public Streaming withHeader(String name, String value) {
      return new Streaming(chunks, served, plus(headers, name, value));
    }

    /** The same reply with its stream replaced (by a wrapper of it). */
    public Streaming withChunks(ChunkStream wrapped) {
      return new Streaming(wrapped, served, headers);
    }
  }

  private static Map<String, String> plus(Map<String, String> headers, String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    copy.put(name, value);
    return Map.copyOf(copy);
  }
}
