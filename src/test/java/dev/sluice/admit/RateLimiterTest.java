package dev.sluice.admit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.admit.RateLimiter.Decision;
import dev.sluice.store.RateLimits.RateLimit;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  static final long SECOND = 1_000_000_000L;
  final AtomicLong now = new AtomicLong(1_000 * SECOND);
  final RateLimiter limiter = new RateLimiter(now::get);
  final RateLimit key = new RateLimit("rl_key", "key", "acme", "key_1", null, 3, 0);
  final RateLimit tenantTokens = new RateLimit("rl_tenant", "tenant", "acme", null, null, 0, 1000);

  @Test
  void requestsBeyondTheMinuteLimitAreRefusedWithTheWait() {
    for (int i = 0; i < 3; i++) assertThat(limiter.acquire(List.of(key), 0)).isInstanceOf(Decision.Admitted.class);

    Decision d = limiter.acquire(List.of(key), 0);

    assertThat(d).isInstanceOf(Decision.Refused.class);
    Decision.Refused r = (Decision.Refused) d;
    assertThat(r.what()).isEqualTo("requests");
    assertThat(r.retryAfterNanos()).isEqualTo(20 * SECOND); // 3 per minute: one every 20 s
    assertThat(r.headers().remainingRequests()).isZero();
  }

  @Test
  void theBucketRefillsContinuously() {
    for (int i = 0; i < 3; i++) limiter.acquire(List.of(key), 0);
    now.addAndGet(20 * SECOND);

    assertThat(limiter.acquire(List.of(key), 0)).isInstanceOf(Decision.Admitted.class);
    assertThat(limiter.acquire(List.of(key), 0)).isInstanceOf(Decision.Refused.class);
  }

  @Test
  void allLimitsOrNone() {
    limiter.acquire(List.of(tenantTokens), 900);

    Decision d = limiter.acquire(List.of(key, tenantTokens), 200);

    assertThat(d).isInstanceOf(Decision.Refused.class);
    assertThat(((Decision.Refused) d).what()).isEqualTo("tokens");
    // the key's request token was not taken by the refused request
    for (int i = 0; i < 3; i++) assertThat(limiter.acquire(List.of(key), 0)).isInstanceOf(Decision.Admitted.class);
  }

  @Test
  void unusedReservedTokensAreGivenBack() {
    Decision.Admitted a = (Decision.Admitted) limiter.acquire(List.of(tenantTokens), 800);
    assertThat(limiter.acquire(List.of(tenantTokens), 300)).isInstanceOf(Decision.Refused.class);

    a.permit().settle(100);
    a.permit().settle(0); // settling twice changes nothing

    Decision.Admitted b = (Decision.Admitted) limiter.acquire(List.of(tenantTokens), 300);
    assertThat(b.headers().remainingTokens()).isEqualTo(600);
    assertThat(b.headers().limitTokens()).isEqualTo(1000);
  }

  @Test
  void theHeadersDescribeTheTightestLimit() {
    RateLimit loose = new RateLimit("rl_loose", "tenant", "acme", null, null, 100, 0);
    Decision.Admitted a = (Decision.Admitted) limiter.acquire(List.of(loose, key), 0);

    assertThat(a.headers().limitRequests()).isEqualTo(3);
    assertThat(a.headers().remainingRequests()).isEqualTo(2);
    assertThat(a.headers().resetRequestsNanos()).isEqualTo(20 * SECOND);
  }

  @Test
  void noLimitMeansAdmittedWithoutHeaders() {
    Decision.Admitted a = (Decision.Admitted) limiter.acquire(List.of(), 5000);
    assertThat(a.headers().limitRequests()).isEqualTo(-1);
  }
}
