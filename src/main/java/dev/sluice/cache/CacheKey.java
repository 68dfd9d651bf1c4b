package dev.sluice.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.pipeline.Operation;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The exact-cache key of a request: a SHA-256 hash of everything that changes the answer, in a
 * canonical form, so that two requests that differ only in key order, whitespace, number spelling
 * ({@code 0} and {@code 0.0}) or fields that do not change the answer get the same key.
 *
 * <p>Hashed: the tenant scope, the operation, whether the answer streams, and the request body with
 * object keys sorted, minus {@link #IGNORED} (who asks, tags, transport options). The model is in the
 * body. A streamed and a whole answer are kept apart: a stream's chunk boundaries, ids and usage
 * chunk cannot be rebuilt faithfully from a whole answer, nor the reverse.
 *
 * <p>{@code tenant} and {@code model} are kept in clear beside the hash so that an admin purge can
 * find a tenant's or a model's entries; {@code scope} is the tenant plus the key, or the tenant alone
 * when the tenant shares its cache across its keys ({@link #scope}).
 */
public record CacheKey(String tenant, String scope, String model, long h0, long h1, long h2, long h3) {

  /** Top-level body fields that do not change the answer. */
  public static final Set<String> IGNORED = Set.of("user", "metadata", "stream", "stream_options", "store");

  private static final byte OBJECT = 1;
  private static final byte ARRAY = 2;
  private static final byte STRING = 3;
  private static final byte NUMBER = 4;
  private static final byte TRUE = 5;
  private static final byte FALSE = 6;
  private static final byte NULL = 7;
  private static final byte END = 8;

  private static final MessageDigest PROTOTYPE = sha256();

  /**
   * The scope a request's entries live in: {@code tenant/key} by default, {@code tenant/*} when the
   * tenant shares its cache across its keys. Never wider than a tenant.
   */
  public static String scope(String tenant, String keyId, boolean sharedAcrossKeys) {
    return tenant + "/" + (sharedAcrossKeys ? "*" : keyId);
  }

  /** The tenant of a {@link #scope} string. */
  public static String tenantOf(String scope) {
    int slash = scope.lastIndexOf('/');
    return slash < 0 ? scope : scope.substring(0, slash);
  }

  /** The key of a request, from its scope and its body as received. */
  public static CacheKey of(String tenant, String scope, Operation operation, String model, boolean stream,
      ObjectNode body) {
    Canonical c = new Canonical();
    c.text(scope);
    c.text(operation.wireName());
    c.put(stream ? TRUE : FALSE);
    c.put(OBJECT);
    for (String name : sortedNames(body)) {
      if (IGNORED.contains(name)) continue;
      c.text(name);
      c.node(body.get(name));
    }
    c.put(END);
    MessageDigest md = digest();
    md.update(c.bytes, 0, c.length);
    ByteBuffer h = ByteBuffer.wrap(md.digest());
    return new CacheKey(tenant, scope, model, h.getLong(), h.getLong(), h.getLong(), h.getLong());
  }

  /**
   * The canonical bytes of a request, built in one array and hashed in one call: a type tag before
   * every value, every string prefixed by its length, so that no two different requests write the
   * same bytes.
   */
  private static final class Canonical {
    byte[] bytes = new byte[2048];
    int length;

    void put(byte b) {
      if (length == bytes.length) bytes = Arrays.copyOf(bytes, bytes.length * 2);
      bytes[length++] = b;
    }

    void text(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      int n = b.length;
      if (length + n + 4 > bytes.length) bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n + 4));
      bytes[length++] = (byte) (n >>> 24);
      bytes[length++] = (byte) (n >>> 16);
      bytes[length++] = (byte) (n >>> 8);
      bytes[length++] = (byte) n;
      System.arraycopy(b, 0, bytes, length, n);
      length += n;
    }

    void node(JsonNode n) {
      switch (n.getNodeType()) {
        case OBJECT -> {
          put(OBJECT);
          for (String name : sortedNames(n)) {
            text(name);
            node(n.get(name));
          }
          put(END);
        }
        case ARRAY -> {
          put(ARRAY);
          for (JsonNode e : n) node(e);
          put(END);
        }
        case STRING -> {
          put(STRING);
          text(n.textValue());
        }
        case NUMBER -> {
          put(NUMBER);
          text(n.canConvertToExactIntegral() && n.canConvertToLong() ? Long.toString(n.longValue())
              : n.decimalValue().stripTrailingZeros().toString());
        }
        case BOOLEAN -> put(n.booleanValue() ? TRUE : FALSE);
        default -> put(NULL); // null, and anything JSON text cannot hold
      }
    }
  }

  private static String[] sortedNames(JsonNode object) {
    String[] names = new String[object.size()];
    int i = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) names[i++] = it.next().getKey();
    if (names.length > 1) Arrays.sort(names);
    return names;
  }

  private static MessageDigest digest() {
    try {
      return (MessageDigest) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return sha256();
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
