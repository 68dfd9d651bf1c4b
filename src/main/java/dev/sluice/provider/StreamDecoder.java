package dev.sluice.provider;

import dev.sluice.stream.ChunkEmitter;

/**
 * Turns one upstream's SSE events into OpenAI chunks. Pure and stateful per stream: no I/O, no
 * logging. Throws {@link UpstreamException} (with {@link UpstreamFailure.Malformed}) on an event it
 * cannot read, or with {@link UpstreamFailure.ErrorStatus} when the upstream sent an error event.
 */
public interface StreamDecoder {

  /** One event; emits zero or more chunks and completes the emitter at the end-of-stream event. */
  void onEvent(String event, String data, ChunkEmitter out);

  /**
   * The upstream closed the response cleanly. Returns true when the stream is complete even though
   * no end-of-stream event came (some servers omit it), false when the answer was cut short.
   */
  boolean endedWithoutMarker();
}
