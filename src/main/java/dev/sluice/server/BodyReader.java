package dev.sluice.server;

import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Reads a request body up to a limit, and checks that it is valid UTF-8. */
final class BodyReader {
  private BodyReader() {}

  /**
   * The whole body, or a failed future with {@link GatewayError.PayloadTooLarge} as soon as it is
   * known to exceed {@code limit} (from {@code Content-Length}, or while reading).
   */
  static Future<Buffer> read(HttpServerRequest request, long limit) {
    String declared = request.getHeader("content-length");
    long length = -1;
    if (declared != null) {
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        return Future.failedFuture(new GatewayException(new GatewayError.InvalidRequest("Invalid Content-Length header.", null)));
      }
      if (length > limit) {
        return Future.failedFuture(new GatewayException(new GatewayError.PayloadTooLarge(limit)));
      }
    }
    Promise<Buffer> promise = Promise.promise();
    Buffer body = Buffer.buffer((int) Math.min(length > 0 ? length : 1024, 1 << 16));
    request.handler(chunk -> {
      if (promise.future().isComplete()) return;
      if ((long) body.length() + chunk.length() > limit) {
        promise.tryFail(new GatewayException(new GatewayError.PayloadTooLarge(limit)));
        return;
      }
      body.appendBuffer(chunk);
    });
    request.endHandler(v -> promise.tryComplete(body));
    request.exceptionHandler(promise::tryFail);
    return promise.future();
  }

  /** Whether the bytes are well-formed UTF-8; ASCII takes a fast path. */
  static boolean isUtf8(byte[] bytes) {
    boolean ascii = true;
    for (byte b : bytes) {
      if (b < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) return true;
    try {
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
