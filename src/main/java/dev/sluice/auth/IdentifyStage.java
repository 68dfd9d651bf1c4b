package dev.sluice.auth;

import dev.sluice.config.Secret;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import dev.sluice.pipeline.Call;
import dev.sluice.pipeline.Chain;
import dev.sluice.pipeline.Principal;
import dev.sluice.pipeline.Reply;
import dev.sluice.pipeline.Stage;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Decides who is calling. A call with the admin key belongs to the built-in tenant
 * {@code default}; a call with a tenant's key (created through the admin API or declared in the
 * config) belongs to that tenant (whether the key may call the model is admission's business, after
 * the meter, so that the refusal is recorded). With no admin key
 * configured (Sluice then listens on loopback only), calls without a known key are accepted as
 * the {@code default} tenant; with one, they are refused with 401.
 */
public final class IdentifyStage implements Stage {
  private final KeyDirectory keys;

  public IdentifyStage(KeyDirectory keys) {
    this.keys = keys;
  }

  @Override
  public Future<Reply> handle(Call call, Chain chain) {
    Optional<Secret> adminKey = call.config().adminKey();
    String presented = bearer(call.headers().get("authorization"));
    if (presented == null) {
      if (adminKey.isEmpty()) return chain.proceed(call.withPrincipal(Principal.ANONYMOUS));
      throw new GatewayException(new GatewayError.Unauthenticated(
          "Missing API key. Send it as 'Authorization: Bearer <key>'."));
    }
    byte[] digest = sha256(presented);
    if (adminKey.isPresent() && MessageDigest.isEqual(digest, adminKey.get().sha256())) {
      return chain.proceed(call.withPrincipal(Principal.ADMIN));
    }
    return keys.identify(HexFormat.of().formatHex(digest)).compose(principal -> {
      if (principal == null) {
        if (adminKey.isEmpty()) return chain.proceed(call.withPrincipal(Principal.ANONYMOUS));
        return Future.failedFuture(new GatewayException(new GatewayError.Unauthenticated(
            "Incorrect API key provided, or the key was revoked or has expired.")));
      }
      return chain.proceed(call.withPrincipal(principal));
    });
  }

  /** The token of a {@code Bearer} authorization header, or {@code null}. */
  public static String bearer(String header) {
    if (header == null) return null;
    String h = header.strip();
    if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
    String token = h.substring(7).strip();
    return token.isEmpty() ? null : token;
  }

  /** Constant-time comparison (of hashes, so the length of the key does not show either). */
  public static boolean matches(String presented, Secret key) {
    return MessageDigest.isEqual(sha256(presented), key.sha256());
  }

  /** One digest per thread: looking the algorithm up costs more than hashing a key. */
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  private static byte[] sha256(String s) {
    return SHA256.get().digest(s.getBytes(StandardCharsets.UTF_8)); // digest() also resets it
  }
}
