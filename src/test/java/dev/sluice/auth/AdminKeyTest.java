package dev.sluice.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.ConfigException;
import dev.sluice.testing.FakeUpstream;
import dev.sluice.testing.TestGateway;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Secure defaults: who may call /v1 and the admin endpoints, with and without an admin key. */
class AdminKeyTest {
  static FakeUpstream upstream;

  @BeforeAll
  static void start() {
    upstream = FakeUpstream.start();
  }

  @AfterAll
  static void stop() {
    upstream.close();
  }

  static final String MODELS = """
      models:
        - name: m
          deployments:
            - provider: openai
              base_url: ${UPSTREAM}
              model: ok
      """;

  @Test
  void withoutAnAdminKeyV1IsOpenAndAdminSays403SetOne() {
    try (TestGateway sluice = TestGateway.start(MODELS, upstream)) {
      assertThat(sluice.chat("m", "hi").status()).isEqualTo(200);

      TestGateway.Response admin = sluice.get("/admin/config");
      assertThat(admin.status()).isEqualTo(403);
      assertThat(admin.error().get("message").asText()).contains("admin_key");
    }
  }

  @Test
  void withAnAdminKeyV1NeedsABearerKeyAndTheAdminKeyWorks() {
    try (TestGateway sluice = TestGateway.start("admin_key: ${K}\n" + MODELS,
        Map.of("K", "sk-admin-123", "UPSTREAM", upstream.baseUrl()))) {
      TestGateway.Response none = sluice.chat("m", "hi");
      assertThat(none.status()).isEqualTo(401);
      assertThat(none.error().get("type").asText()).isEqualTo("authentication_error");

      assertThat(sluice.chat("m", "hi", "authorization", "Bearer wrong").status()).isEqualTo(401);
      assertThat(sluice.chat("m", "hi", "authorization", "Bearer sk-admin-123").status()).isEqualTo(200);
      assertThat(sluice.get("/v1/models").status()).isEqualTo(401);
      assertThat(sluice.get("/v1/models", "authorization", "Bearer sk-admin-123").status()).isEqualTo(200);

      assertThat(sluice.get("/admin/config").status()).isEqualTo(401);
      TestGateway.Response config = sluice.get("/admin/config", "authorization", "Bearer sk-admin-123");
      assertThat(config.status()).isEqualTo(200);
      assertThat(config.body()).doesNotContain("sk-admin-123");
      TestGateway.Response deployments = sluice.get("/admin/deployments", "authorization", "Bearer sk-admin-123");
      assertThat(deployments.json().at("/deployments/0/circuit").asText()).isEqualTo("closed");
    }
  }

  @Test
  void refusesToListenBeyondLoopbackWithoutAnAdminKey() {
    assertThatThrownBy(() -> TestGateway.config("listen: 0.0.0.0:0\n" + MODELS, Map.of("UPSTREAM", upstream.baseUrl())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("admin_key");
  }
}
