package dev.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.config.GatewayConfig.CacheConfig;
import dev.sluice.config.GatewayConfig.CacheScope;
import dev.sluice.config.GatewayConfig.ExactCache;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The response cache's keys in the config file: per model, per tenant and at the top level. */
class CacheConfigTest {
  static GatewayConfig parse(String yaml) {
    return new ConfigLoader(Map.<String, String>of()::get).parse("sluice.yaml", yaml);
  }

  static final String DEPLOYMENT = "    deployments: [{provider: openai, base_url: http://127.0.0.1:9/v1}]\n";

  @Test
  void aModelsCacheBlockIsReadWithItsSemanticThreshold() {
    GatewayConfig c = parse("""
        cache_memory_mib: 64
        cache_join_timeout: 5s
        tenants:
          - name: acme
            cache_scope: tenant
            keys: []
        models:
          - name: a
            cache:
              exact: auto
              ttl: 1h
              semantic:
                threshold: default
        """ + DEPLOYMENT + """
          - name: b
            cache: {exact: always, ttl: 10m, semantic: {threshold: 0.92}}
        """ + DEPLOYMENT + """
          - name: c
            cache: {exact: off}
        """ + DEPLOYMENT + """
          - name: d
        """ + DEPLOYMENT);

    CacheConfig a = c.model("a").orElseThrow().cache();
    assertThat(a.exact()).isEqualTo(ExactCache.AUTO);
    assertThat(a.ttl()).isEqualTo(Duration.ofHours(1));
    assertThat(a.semantic()).get().satisfies(s -> assertThat(s.threshold()).isNaN());
    CacheConfig b = c.model("b").orElseThrow().cache();
    assertThat(b.exact()).isEqualTo(ExactCache.ALWAYS);
    assertThat(b.ttl()).isEqualTo(Duration.ofMinutes(10));
    assertThat(b.semantic()).get().satisfies(s -> assertThat(s.threshold()).isEqualTo(0.92));
    assertThat(c.model("c").orElseThrow().cache().exact()).isEqualTo(ExactCache.OFF);
    assertThat(c.model("c").orElseThrow().cache().semantic()).isEmpty();
    assertThat(c.model("d").orElseThrow().cache()).isEqualTo(CacheConfig.NONE);
    assertThat(c.cache().memoryBytes()).isEqualTo(64L << 20);
    assertThat(c.cache().joinTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.tenants().getFirst().cacheScope()).isEqualTo(CacheScope.TENANT);
  }

  @Test
  void withoutCacheKeysTheDefaultsApply() {
    GatewayConfig c = parse("models:\n  - name: a\n" + DEPLOYMENT);
    assertThat(c.cache()).isEqualTo(GatewayConfig.CacheLimits.DEFAULT);
    assertThat(c.cache().memoryBytes()).isEqualTo(128L << 20);
  }

  @Test
  void badCacheValuesAreReportedWithTheirKeyAndLine() {
    assertThatThrownBy(() -> parse("""
        cache_memory_mib: 0
        models:
          - name: a
            cache:
              exact: sometimes
              ttl: 0s
              semantic: {threshold: 1.5}
              size: 3
        """ + DEPLOYMENT))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cache_memory_mib")
        .hasMessageContaining("exact' must be one of auto, always, off")
        .hasMessageContaining("ttl' must be longer than zero")
        .hasMessageContaining("threshold' is 1.5")
        .hasMessageContaining("size")
        .hasMessageContaining("line 5");
  }
}
