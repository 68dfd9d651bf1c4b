package dev.sluice.config;

/**
 * A credential from the config (an upstream API key, the admin key). Its {@code toString} never
 * shows the value, so a secret that ends up in a log line or an error message shows as {@code ***}.
 */
public final class Secret {
  private final String value;
  private byte[] sha256;

  public Secret(String value) {
    this.value = value;
  }

  /** The SHA-256 of the value, computed once (for constant-time comparisons). */
  public byte[] sha256() {
    byte[] h = sha256;
    if (h == null) {
      try {
        h = java.security.MessageDigest.getInstance("SHA-256").digest(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      sha256 = h;
    }
    return h.clone();
  }

  /** The value itself; call only where it goes on the wire. */
  public String reveal() {
    return value;
  }

  public boolean isEmpty() {
    return value.isEmpty();
  }

  @Override
  public String toString() {
    return "***";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Secret s && s.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }
}
