package dev.sluice.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Virtual API keys. Only a hash of each secret is stored; the secret itself is shown once, when the
 * key is created, and cannot be read back.
 */
public interface ApiKeys {

  /**
   * A key as stored.
   *
   * @param id the key's public identifier ({@code key_...}), safe to log and show
   * @param hash the SHA-256 of the secret, hex
   * @param hint the last four characters of the secret, to tell keys apart in listings
   * @param models the models the key may call; empty means every model
   * @param expiresAt when the key stops working, or {@code null}
   * @param revokedAt when the key was revoked, or {@code null}
   */
  record ApiKey(String id, String tenant, String name, String hash, String hint, List<String> models,
      Instant createdAt, Instant expiresAt, Instant revokedAt) {
    public ApiKey {
      models = List.copyOf(models);
    }

    /** Whether the key authenticates at {@code now}. */
    public boolean activeAt(Instant now) {
      return revokedAt == null && (expiresAt == null || now.isBefore(expiresAt));
    }
  }

  void insert(ApiKey key);

  Optional<ApiKey> byHash(String hash);

  Optional<ApiKey> byId(String id);

  /** Keys of a tenant (revoked ones included), newest first. */
  List<ApiKey> list(String tenant);

  /** Revokes a key; false when there is no such key or it was already revoked. */
  boolean revoke(String id, Instant at);
}
