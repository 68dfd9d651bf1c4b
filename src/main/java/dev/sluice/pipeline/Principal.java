package dev.sluice.pipeline;

/**
 * Who is calling: the tenant the request is billed to and the key it authenticated with.
 *
 * @param keyId an identifier of the key (never the key itself)
 */
public record Principal(String tenant, String keyId) {
  /** Calls made with the admin key, or with no key when none is configured, belong to this tenant. */
  public static final String DEFAULT_TENANT = "default";

  public static final Principal ADMIN = new Principal(DEFAULT_TENANT, "admin");
  public static final Principal ANONYMOUS = new Principal(DEFAULT_TENANT, "anonymous");
}
