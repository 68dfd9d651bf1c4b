package dev.sluice.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Tenants: who is billed. Addressed by name, which is unique. */
public interface Tenants {

  /**
   * A tenant.
   *
   * @param plan the tenant's pricing plan as JSON text, or {@code null} for pass-through
   */
  record Tenant(String id, String name, String plan, Instant createdAt) {}

  /** Creates a tenant; fails with {@link DuplicateException} when the name is taken. */
  Tenant create(String name, String plan);

  Optional<Tenant> byName(String name);

  List<Tenant> list();

  /** Replaces the plan; false when there is no such tenant. */
  boolean updatePlan(String name, String plan);

  /** The name is taken. */
  final class DuplicateException extends StoreException {
    public DuplicateException(String message) {
      super(message);
    }
  }
}
