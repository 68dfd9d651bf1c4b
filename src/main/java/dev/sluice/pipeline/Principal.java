package dev.sluice.pipeline;

import java.util.List;

/**
 * Who is calling: the tenant the request is billed to and the key it authenticated with.
 *
 * @param keyId an identifier of the key (never the key itself)
 * @param models the models the key may call; empty means every model
 * @param admin whether the caller holds the admin key
 */
public record Principal(String tenant, String keyId, List<String> models, boolean admin) {
  /** Calls made with the admin key, or with no key when none is configured, belong to this tenant. */
  public static final String DEFAULT_TENANT = "default";

  public static final Principal ADMIN = new Principal(DEFAULT_TENANT, "admin", List.of(), true);
  public static final Principal ANONYMOUS = new Principal(DEFAULT_TENANT, "anonymous", List.of(), false);

  public Principal {
    models = List.copyOf(models);
  }

  /** Whether the key may call {@code model}. */
  public boolean mayCall(String model) {
    return models.isEmpty() || models.contains(model);
  }
}
