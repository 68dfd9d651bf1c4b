package dev.sluice.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.config.GatewayConfig.CacheConfig;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import dev.sluice.pipeline.Operation;

/**
 * Whether a request may be answered from the exact cache and whether its answer is stored: a pure
 * decision over the model's {@code cache:} config, the request's {@code X-Sluice-Cache} header and
 * its body.
 *
 * <ul>
 *   <li>{@code X-Sluice-Cache: off}: neither read nor stored, and never joined to another call.
 *   <li>{@code X-Sluice-Cache: on}: read and stored, whatever the model's {@code exact} mode and
 *       even when the answer is not reproducible (the client accepts a stored answer).
 *   <li>{@code X-Sluice-Cache: refresh}: not read and not joined: the upstream answers, and its
 *       answer replaces the stored one.
 *   <li>no header: the model's {@code exact} mode: {@code off} none, {@code always} every request,
 *       {@code auto} reproducible requests only: temperature 0, or a {@code seed}; embeddings always.
 * </ul>
 */
public final class CachePolicy {
  private CachePolicy() {}

  /** The request header that switches the cache per request. */
  public static final String HEADER = "X-Sluice-Cache";

  /** What the cache stage does with a request. */
  public enum Decision {
    /** Pass it through untouched. */
    OFF,
    /** Serve a stored answer, else join an identical call in flight, else call upstream and store. */
    READ_WRITE,
    /** Call upstream and store the answer over any stored one. */
    REFRESH
  }

  /**
   * @param header the {@code X-Sluice-Cache} header, or {@code null}
   * @throws GatewayException (400) when the header is neither {@code on}, {@code off} nor {@code refresh}
   */
  public static Decision decide(String header, CacheConfig model, Operation operation, ObjectNode body) {
    if (header != null) {
      switch (header.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "off" -> {
          return Decision.OFF;
        }
        case "on" -> {
          return Decision.READ_WRITE;
        }
        case "refresh" -> {
          return Decision.REFRESH;
        }
        default -> throw new GatewayException(new GatewayError.InvalidRequest(
            "The header " + HEADER + " must be on, off or refresh; got '" + header + "'.", null, "invalid_cache_header"));
      }
    }
    return switch (model.exact()) {
      case OFF -> Decision.OFF;
      case ALWAYS -> Decision.READ_WRITE;
      case AUTO -> reproducible(operation, body) ? Decision.READ_WRITE : Decision.OFF;
    };
  }

  /** Whether the same request gets the same answer: an embedding, or sampling at temperature 0 or with a seed. */
  static boolean reproducible(Operation operation, ObjectNode body) {
    if (operation == Operation.EMBEDDINGS) return true;
    JsonNode seed = body.get("seed");
    if (seed != null && !seed.isNull()) return true;
    JsonNode temperature = body.get("temperature");
    return temperature != null && temperature.isNumber() && temperature.doubleValue() == 0.0;
  }
}
