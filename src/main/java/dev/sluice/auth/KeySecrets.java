package dev.sluice.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * How API key secrets are made and recognised. A secret is {@code sk-sluice-} followed by 40
 * random base-62 characters (about 238 bits); only its SHA-256 is stored. A fast hash is right
 * here: unlike a password, a random key of that length cannot be guessed from its hash.
 */
public final class KeySecrets {
  private KeySecrets() {}

  public static final String PREFIX = "sk-sluice-";
  private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A new secret. */
  public static String newSecret() {
    return PREFIX + random(40);
  }

  /** A new public key id. */
  public static String newKeyId() {
    return "key_" + random(16);
  }

  /** A new identifier with a prefix, such as {@code bud_...}. */
  public static String newId(String prefix) {
    return prefix + "_" + random(16);
  }

  /** The stored form of a secret: SHA-256, hex. */
  public static String hash(String secret) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The last four characters, shown in listings to tell keys apart. */
  public static String hint(String secret) {
    return secret.length() <= 4 ? "****" : "..." + secret.substring(secret.length() - 4);
  }

  private static String random(int length) {
    char[] out = new char[length];
    for (int i = 0; i < length; i++) out[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    return new String(out);
  }
}
