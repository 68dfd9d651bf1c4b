package dev.sluice.store;

import java.security.SecureRandom;

/** Public identifiers of stored things: a kind prefix and 20 random base-32 characters (100 bits). */
public final class Ids {
  private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  /** A new identifier such as {@code ten_4k9...}; {@code kind} is {@code ten}, {@code key}, {@code bud}... */
  public static String next(String kind) {
    byte[] bytes = new byte[20];
    RANDOM.nextBytes(bytes);
    StringBuilder id = new StringBuilder(kind.length() + 21).append(kind).append('_');
    for (byte b : bytes) id.append(ALPHABET[b & 31]);
    return id.toString();
  }
}
