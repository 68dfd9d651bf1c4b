package dev.sluice.cache;

import dev.sluice.api.JsonBody;
import dev.sluice.pipeline.Reply;
import dev.sluice.pipeline.Served;
import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.List;

/**
 * An answer kept by the response cache: a whole JSON body, or the chunks of a stream in order, with
 * what served it and what it cost then. Immutable and shared between event loops; each replay
 * builds its own reply from it.
 */
public sealed interface StoredAnswer {

  /** What served the original answer (reported again in {@code X-Sluice-Route}, priced again on a hit). */
  Served served();

  /**
   * What the original answer cost, in nano-dollars, or -1 when unknown. A hit is priced again from
   * the answer's usage at the current price; this is the fallback when that is not possible (a
   * deployment paid by the hour).
   */
  long costNanos();

  /** How long it may be served. */
  Duration ttl();

  /** About how many bytes it takes in memory: what the cache's memory bound counts. */
  int weight();

  /** A reply that serves this answer again, for one client. */
  Reply replay();

  /** A whole JSON answer, as the upstream sent its bytes. */
  record Whole(byte[] body, Served served, long costNanos, Duration ttl) implements StoredAnswer {
    @Override
    public int weight() {
      return OVERHEAD + body.length;
    }

    @Override
    public Reply replay() {
      return new Reply.Complete(JsonBody.ofBytes(Buffer.buffer(body)), served);
    }
  }

  /** A stream's chunks (their JSON text), the usage chunk included, in the order they came. */
  record Streamed(List<String> chunks, Served served, long costNanos, Duration ttl) implements StoredAnswer {
    public Streamed {
      chunks = List.copyOf(chunks);
    }

    @Override
    public int weight() {
      long w = OVERHEAD;
      for (String c : chunks) w += CHUNK_OVERHEAD + c.length();
      return (int) Math.min(Integer.MAX_VALUE, w);
    }

    @Override
    public Reply replay() {
      return new Reply.Streaming(Flight.recorded(chunks).reader(null), served);
    }
  }

  /** Bytes counted for an entry besides its text: key, record, map node. */
  int OVERHEAD = 256;
  /** Bytes counted per chunk besides its text: the string and list slot. */
  int CHUNK_OVERHEAD = 48;
}
