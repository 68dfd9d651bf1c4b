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
    MessageDigest md = digest();
    text(md, scope);
    text(md, operation.wireName());
    md.update(stream ? TRUE : FALSE);
    md.update(OBJECT);
    for (String name : sortedNames(body)) {
      if (IGNORED.contains(name)) continue;
      text(md, name);
      node(md, body.get(name));
    }
    md.update(END);
    ByteBuffer h = ByteBuffer.wrap(md.digest());
    return new CacheKey(tenant, scope, model, h.getLong(), h.getLong(), h.getLong(), h.getLong());
  }

  private static void node(MessageDigest md, JsonNode n) {
    switch (n.getNodeType()) {
      case OBJECT -> {
        md.update(OBJECT);
        for (String name : sortedNames(n)) {
          text(md, name);
          node(md, n.get(name));
        }
        md.update(END);
      }
      case ARRAY -> {
        md.update(ARRAY);
        for (JsonNode e : n) node(md, e);
        md.update(END);
      }
      case STRING -> {
        md.update(STRING);
        text(md, n.textValue());
      }
      case NUMBER -> {
        md.update(NUMBER);
        text(md, n.canConvertToExactIntegral() && n.canConvertToLong() ? Long.toString(n.longValue())
            : n.decimalValue().stripTrailingZeros().toString());
      }
      case BOOLEAN -> md.update(n.booleanValue() ? TRUE : FALSE);
      default -> md.update(NULL); // null, and anything JSON text cannot hold
    }
  }

  private static String[] sortedNames(JsonNode object) {
    String[] names = new String[object.size()];
    int i = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) names[i++] = it.next().getKey();
    Arrays.sort(names);
    return names;
  }

  /** A length-prefixed string, so that no two different sequences of strings hash the same bytes. */
  private static void text(MessageDigest md, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    int n = b.length;
    md.update((byte) (n >>> 24));
    md.update((byte) (n >>> 16));
    md.update((byte) (n >>> 8));
    md.update((byte) n);
    md.update(b);
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
