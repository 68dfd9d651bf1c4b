package dev.sluice.admit;

import dev.sluice.store.RateLimits.RateLimit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Requests and tokens per minute, per key, tenant and model, in this process.
 *
 * <p>Each limit is a pair of token buckets (requests, tokens). A request takes one request token
 * and its estimated tokens (prompt plus the most it may write) from every limit that applies, all
 * or none: if any limit lacks room, nothing is taken and the caller learns how long to wait. When
 * the request ends, the unused part of the token estimate is given back.
 *
 * <p>Thread-safe. Buckets are locked in a fixed order (by limit id), so concurrent requests that
 * share limits cannot deadlock, and the check-then-take of several buckets is atomic.
 */
public final class RateLimiter {

  /** The outcome of {@link #acquire}. */
  public sealed interface Decision {
    /** Admitted; {@code headers} describe the tightest limit, as OpenAI's {@code x-ratelimit-*} do. */
    record Admitted(Permit permit, Headers headers) implements Decision {}

    /** Refused; retry after {@code retryAfterNanos}. */
    record Refused(RateLimit limit, String what, long retryAfterNanos, Headers headers) implements Decision {}
  }

  /** The values of OpenAI's rate-limit headers for the tightest applicable limit, or null fields when none applies. */
  public record Headers(long limitRequests, long remainingRequests, long resetRequestsNanos, long limitTokens,
      long remainingTokens, long resetTokensNanos) {
    static final Headers NONE = new Headers(-1, -1, 0, -1, -1, 0);
  }

  /** What was taken for one request; {@link #settle} returns what was not used. */
  public final class Permit {
    private final List<Buckets> taken;
    private final long reservedTokens;
    private boolean settled;

    private Permit(List<Buckets> taken, long reservedTokens) {
      this.taken = taken;
      this.reservedTokens = reservedTokens;
    }

    /** Gives back the part of the token estimate the request did not use. Idempotent. */
    public void settle(long usedTokens) {
      if (settled) return;
      settled = true;
      long unused = reservedTokens - Math.max(0, usedTokens);
      if (unused <= 0) return;
      long now = clock.getAsLong();
      for (Buckets b : taken) {
        if (b.tokens == null) continue;
        synchronized (b) {
          b.tokens.giveBack(unused, now);
        }
      }
    }
  }

  /** The buckets of one limit. */
  private static final class Buckets {
    final RateLimit limit;
    final TokenBucket requests;
    final TokenBucket tokens;

    Buckets(RateLimit limit, long now) {
      this.limit = limit;
      this.requests = limit.rpm() > 0 ? new TokenBucket(limit.rpm(), now) : null;
      this.tokens = limit.tpm() > 0 ? new TokenBucket(limit.tpm(), now) : null;
    }
  }

  private final LongSupplier clock;
  private final ConcurrentHashMap<String, Buckets> buckets = new ConcurrentHashMap<>();

  public RateLimiter(LongSupplier nanoClock) {
    this.clock = nanoClock;
  }

  /**
   * Takes room for one request of about {@code estimatedTokens} tokens from every limit in
   * {@code limits} (those that apply to it), or from none.
   */
  public Decision acquire(List<RateLimit> limits, long estimatedTokens) {
    long now = clock.getAsLong();
    if (limits.isEmpty()) return new Decision.Admitted(new Permit(List.of(), 0), Headers.NONE);
    List<Buckets> ordered = new ArrayList<>(limits.size());
    for (RateLimit l : limits) {
      Buckets b = buckets.compute(l.id(), (id, old) -> old != null && old.limit.equals(l) ? old : new Buckets(l, now));
      ordered.add(b);
    }
    ordered.sort(Comparator.comparing(b -> b.limit.id()));
    return lockAll(ordered, 0, estimatedTokens, now);
  }

  /** Holds the locks of {@code ordered[from..]} in order, then decides with all of them held. */
  private Decision lockAll(List<Buckets> ordered, int from, long tokens, long now) {
    if (from < ordered.size()) {
      synchronized (ordered.get(from)) {
        return lockAll(ordered, from + 1, tokens, now);
      }
    }
    for (Buckets b : ordered) {
      if (b.requests != null && !b.requests.has(1, now)) {
        return new Decision.Refused(b.limit, "requests", b.requests.nanosUntil(1, now), headers(ordered, now));
      }
      if (b.tokens != null && !b.tokens.has(tokens, now)) {
        return new Decision.Refused(b.limit, "tokens", b.tokens.nanosUntil(tokens, now), headers(ordered, now));
      }
    }
    for (Buckets b : ordered) {
      if (b.requests != null) b.requests.take(1, now);
      if (b.tokens != null) b.tokens.take(tokens, now);
    }
    return new Decision.Admitted(new Permit(List.copyOf(ordered), tokens), headers(ordered, now));
  }

  /** The headers of the limit with the least room left (requests and tokens judged separately). */
  private static Headers headers(List<Buckets> ordered, long now) {
    TokenBucket req = null;
    TokenBucket tok = null;
    for (Buckets b : ordered) {
      if (b.requests != null && (req == null || b.requests.remaining(now) < req.remaining(now))) req = b.requests;
      if (b.tokens != null && (tok == null || b.tokens.remaining(now) < tok.remaining(now))) tok = b.tokens;
    }
    return new Headers(
        req == null ? -1 : req.capacity(), req == null ? -1 : req.remaining(now), req == null ? 0 : req.nanosUntilFull(now),
        tok == null ? -1 : tok.capacity(), tok == null ? -1 : tok.remaining(now), tok == null ? 0 : tok.nanosUntilFull(now));
  }

  /** Forgets limits that no longer exist. */
  public void retainOnly(java.util.Set<String> ids) {
    buckets.keySet().retainAll(ids);
  }
}
