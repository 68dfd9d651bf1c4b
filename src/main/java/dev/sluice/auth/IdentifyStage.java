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
import java.util.Optional;

/**
 * Decides who is calling. With no admin key configured (Sluice then listens on loopback only),
 * every call is accepted as the {@code default} tenant. With one, a call must carry
 * {@code Authorization: Bearer <key>}; the admin key itself is accepted as the {@code default}
 * tenant.
 */
public final class IdentifyStage implements Stage {

  @Override
  public Future<Reply> handle(Call call, Chain chain) {
    Optional<Secret> adminKey = call.config().adminKey();
    if (adminKey.isEmpty()) {
      return chain.proceed(call.withPrincipal(Principal.ANONYMOUS));
    }
    String presented = bearer(call.headers().get("authorization"));
    if (presented == null) {
      throw new GatewayException(new GatewayError.Unauthenticated(
          "Missing API key. Send it as 'Authorization: Bearer <key>'."));
    }
    if (matches(presented, adminKey.get())) {
      return chain.proceed(call.withPrincipal(Principal.ADMIN));
    }
    throw new GatewayException(new GatewayError.Unauthenticated("Incorrect API key provided."));
  }

  /** The token of a {@code Bearer} authorization header, or {@code null}. */
  public static String bearer(String header) {
    if (header == null) return null;
    String h = header.strip();
    if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) return null;
    String token = h.substring(7).strip();
    return token.isEmpty() ? null : token;
  }

  /** Constant-time comparison, so response timing tells nothing about the key. */
  public static boolean matches(String presented, Secret key) {
    return MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), key.reveal().getBytes(StandardCharsets.UTF_8));
  }
}
