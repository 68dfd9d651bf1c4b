package dev.sluice.store;

import static dev.sluice.store.UsageRecords.usage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.store.ApiKeys.ApiKey;
import dev.sluice.store.Budgets.Budget;
import dev.sluice.store.RateLimits.RateLimit;
import dev.sluice.store.Tenants.Tenant;
import dev.sluice.store.UsageLedger.LatencyRow;
import dev.sluice.store.UsageLedger.Percentiles;
import dev.sluice.store.UsageLedger.Query;
import dev.sluice.store.UsageLedger.Row;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every store must do, whatever the database. Each subclass points it at one database; each
 * test gets a fresh, empty store.
 */
abstract class StoreContract {
  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

  String url;
  Store store;

  /** A URL for a new, empty store. */
  abstract String newUrl() throws Exception;

  /** A plain JDBC connection to the store's database and schema, to look at what is stored. */
  abstract Connection inspect() throws SQLException;

  /** Drops what {@link #newUrl} created, if anything. */
  void cleanUp() throws Exception {}

  @BeforeEach
  void openStore() throws Exception {
    url = newUrl();
    store = Stores.open(url, InstantSource.fixed(NOW));
  }

  @AfterEach
  void closeStore() throws Exception {
    try {
      if (store != null) store.close();
    } finally {
      cleanUp();
    }
  }

  // --- tenants

  @Test
  void aCreatedTenantIsFoundByNameWithAnIdAndTheCreationTime() {
    Tenant acme = store.tenants().create("acme", "{\"markup\":0.2}");

    assertThat(acme.id()).startsWith("ten_");
    assertThat(store.tenants().byName("acme")).contains(new Tenant(acme.id(), "acme", "{\"markup\":0.2}", NOW));
    assertThat(store.tenants().byName("globex")).isEmpty();
  }

  @Test
  void tenantNamesAreUnique() {
    store.tenants().create("acme", null);

    assertThatThrownBy(() -> store.tenants().create("acme", null))
        .isInstanceOf(Tenants.DuplicateException.class)
        .hasMessageContaining("acme");
  }

  @Test
  void theBuiltInDefaultTenantIsListedWithTheOthersByName() {
    store.tenants().create("zeta", null);
    store.tenants().create("acme", null);

    assertThat(store.tenants().list()).extracting(Tenant::name).containsExactly("acme", "default", "zeta");
  }

  @Test
  void updatingAPlanReplacesItAndReportsAnUnknownTenant() {
    store.tenants().create("acme", null);

    assertThat(store.tenants().updatePlan("acme", "{\"markup\":0.5}")).isTrue();
    assertThat(store.tenants().byName("acme").orElseThrow().plan()).isEqualTo("{\"markup\":0.5}");
    assertThat(store.tenants().updatePlan("nobody", "{}")).isFalse();
  }

  @Test
  void theStoreKeepsItsDataWhenOpenedAgain() {
    Tenant acme = store.tenants().create("acme", null);
    store.close();

    store = Stores.open(url, InstantSource.fixed(NOW));
    assertThat(store.tenants().byName("acme")).contains(acme);
  }

  // --- keys

  @Test
  void aKeyIsFoundByItsHashAndByItsId() {
    store.tenants().create("acme", null);
    ApiKey key = key("key_1", "acme", hash("sk-sluice-one"), Instant.parse("2026-01-01T00:00:00Z"));
    store.keys().insert(key);

    assertThat(store.keys().byHash(hash("sk-sluice-one"))).contains(key);
    assertThat(store.keys().byId("key_1")).contains(key);
    assertThat(store.keys().byHash(hash("sk-sluice-two"))).isEmpty();
  }

  @Test
  void aKeyKeepsItsModelsAndExpiry() {
    store.tenants().create("acme", null);
    ApiKey key = new ApiKey("key_1", "acme", "ci", hash("s"), "ab12", List.of("gpt-4o", "claude-*"), NOW,
        Instant.parse("2026-12-31T23:59:59.123456Z"), null);
    store.keys().insert(key);

    assertThat(store.keys().byId("key_1")).contains(key);
  }

  @Test
  void keyHashesAreUnique() {
    store.tenants().create("acme", null);
    store.keys().insert(key("key_1", "acme", hash("same"), NOW));

    assertThatThrownBy(() -> store.keys().insert(key("key_2", "acme", hash("same"), NOW)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("already exists");
  }

  @Test
  void aKeyOfAnUnknownTenantIsRefused() {
    assertThatThrownBy(() -> store.keys().insert(key("key_1", "nobody", hash("s"), NOW)))
        .isInstanceOf(StoreException.class);
  }

  @Test
  void revokingAKeyStampsItOnce() {
    store.tenants().create("acme", null);
    store.keys().insert(key("key_1", "acme", hash("s"), NOW));
    Instant at = Instant.parse("2026-03-02T00:00:00Z");

    assertThat(store.keys().revoke("key_1", at)).isTrue();
    assertThat(store.keys().revoke("key_1", at.plusSeconds(60))).isFalse();
    assertThat(store.keys().revoke("key_404", at)).isFalse();
    ApiKey revoked = store.keys().byHash(hash("s")).orElseThrow();
    assertThat(revoked.revokedAt()).isEqualTo(at);
    assertThat(revoked.activeAt(at)).isFalse();
  }

  @Test
  void aTenantsKeysAreListedNewestFirstRevokedOnesIncluded() {
    store.tenants().create("acme", null);
    store.tenants().create("globex", null);
    store.keys().insert(key("key_old", "acme", hash("1"), Instant.parse("2026-01-01T00:00:00Z")));
    store.keys().insert(key("key_new", "acme", hash("2"), Instant.parse("2026-02-01T00:00:00Z")));
    store.keys().insert(key("key_other", "globex", hash("3"), Instant.parse("2026-03-01T00:00:00Z")));
    store.keys().revoke("key_old", NOW);

    assertThat(store.keys().list("acme")).extracting(ApiKey::id).containsExactly("key_new", "key_old");
  }

  @Test
  void theDatabaseHoldsTheHashOfAKeyButNeverItsSecret() throws Exception {
    store.tenants().create("acme", null);
    String secret = "sk-sluice-" + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(url.getBytes()));
    store.keys().insert(key("key_1", "acme", hash(secret), NOW));

    try (Connection c = inspect()) {
      List<String> columns = new ArrayList<>();
      List<String> cells = new ArrayList<>();
      DatabaseMetaData meta = c.getMetaData();
      try (ResultSet tables = meta.getTables(null, c.getSchema(), "%", new String[] {"TABLE"})) {
        while (tables.next()) {
          String table = tables.getString("TABLE_NAME");
          try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery("SELECT * FROM " + table)) {
            int n = rows.getMetaData().getColumnCount();
            for (int i = 1; i <= n; i++) columns.add(table + "." + rows.getMetaData().getColumnName(i));
            while (rows.next()) {
              for (int i = 1; i <= n; i++) cells.add(rows.getString(i));
            }
          }
        }
      }
      assertThat(columns).contains("api_keys.hash").noneMatch(name -> name.toLowerCase().contains("secret"));
      assertThat(cells).contains(hash(secret)).noneMatch(cell -> cell != null && cell.contains(secret));
    }
  }

  // --- budgets and alerts

  @Test
  void aBudgetIsStoredWithItsThresholdsAndListedPerTenant() {
    store.tenants().create("acme", null);
    store.tenants().create("globex", null);
    Budget daily = budget("bud_1", "acme", List.of(0.5, 0.8, 1.0));
    Budget other = budget("bud_2", "globex", List.of(1.0));
    store.budgets().insert(daily);
    store.budgets().insert(other);

    assertThat(store.budgets().byId("bud_1")).contains(daily);
    assertThat(store.budgets().list("acme")).containsExactly(daily);
    assertThat(store.budgets().list(null)).containsExactly(daily, other);
    assertThat(store.budgets().delete("bud_1")).isTrue();
    assertThat(store.budgets().delete("bud_1")).isFalse();
    assertThat(store.budgets().byId("bud_1")).isEmpty();
  }

  @Test
  void anAlertFiresOncePerBudgetPeriodAndThreshold() {
    store.tenants().create("acme", null);
    store.budgets().insert(budget("bud_1", "acme", List.of(0.5, 0.8)));
    Instant march = Instant.parse("2026-03-01T05:00:00Z");
    Instant april = Instant.parse("2026-04-01T04:00:00Z");

    assertThat(store.budgets().markAlerted("bud_1", march, 0.5)).isTrue();
    assertThat(store.budgets().markAlerted("bud_1", march, 0.5)).isFalse();
    assertThat(store.budgets().markAlerted("bud_1", march, 0.8)).isTrue();
    assertThat(store.budgets().markAlerted("bud_1", april, 0.5)).isTrue();
  }

  @Test
  void anAlertFiresOnceWhenReplicasRaceForIt() throws Exception {
    store.tenants().create("acme", null);
    store.budgets().insert(budget("bud_1", "acme", List.of(0.8)));
    Instant march = Instant.parse("2026-03-01T05:00:00Z");
    try (Store replica = Stores.open(url, InstantSource.fixed(NOW));
        ExecutorService threads = Executors.newFixedThreadPool(8)) {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Boolean>> marks = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        Store s = i % 2 == 0 ? store : replica;
        marks.add(threads.submit(() -> {
          start.await();
          return s.budgets().markAlerted("bud_1", march, 0.8);
        }));
      }
      start.countDown();
      int fired = 0;
      for (Future<Boolean> m : marks) fired += m.get(30, TimeUnit.SECONDS) ? 1 : 0;
      assertThat(fired).isEqualTo(1);
    }
  }

  // --- rate limits

  @Test
  void rateLimitsAreListedPerTenantAndDeleted() {
    store.tenants().create("acme", null);
    store.tenants().create("globex", null);
    RateLimit perKey = new RateLimit("rl_1", "key", "acme", "key_1", "gpt-4o", 600, 200_000);
    RateLimit perTenant = new RateLimit("rl_2", "tenant", "acme", null, null, 0, 1_000_000);
    RateLimit other = new RateLimit("rl_3", "tenant", "globex", null, null, 60, 0);
    store.rateLimits().insert(perKey);
    store.rateLimits().insert(perTenant);
    store.rateLimits().insert(other);

    assertThat(store.rateLimits().list("acme")).containsExactly(perKey, perTenant);
    assertThat(store.rateLimits().delete("rl_1")).isTrue();
    assertThat(store.rateLimits().delete("rl_1")).isFalse();
    assertThat(store.rateLimits().list("acme")).containsExactly(perTenant);
    assertThat(store.rateLimits().list(null)).containsExactly(perTenant, other);
  }

  // --- the ledger

  @Test
  void anAppendedRecordReadsBackWhole() {
    UsageRecord full = new UsageRecord(Instant.parse("2026-03-07T15:10:00.123456Z"), "req_1", "acme", "key_a1",
        "chat", "u-42", "run_7", Map.of("env", "prod", "team", "search"), "chat", "gpt-4o", "gpt-4o-mini",
        "openai-2", "openai", "api", 1_000, 200, 50, 300, 120, 123_456_789L, 150_000_000L, true, "miss",
        7_000, "cascade", 812_345, 95_000, 200, null, null,
        "[{\"deployment\":\"openai-1\",\"status\":429},{\"deployment\":\"openai-2\",\"status\":200}]");
    UsageRecord sparse = new UsageRecord(Instant.parse("2026-03-07T15:11:00Z"), "req_2", "acme", null, null, null,
        null, Map.of(), "embeddings", "x", null, null, null, null, 0, 0, 0, 0, 0, 0, 0, false, "off", 0, null, 30, -1,
        429, "budget_exceeded", "budget_exceeded", null);

    join(store.ledger().append(full));
    join(store.ledger().append(sparse));

    assertThat(store.ledger().byRequestId("req_1")).containsExactly(full);
    assertThat(store.ledger().byRequestId("req_2")).containsExactly(sparse);
    assertThat(store.ledger().byRequestId("req_3")).isEmpty();
  }

  @Test
  void appendingARequestIdAgainKeepsTheFirstRecord() {
    UsageRecord first = usage("req_1", "2026-03-07T15:10:00Z").cost(1_000, 1_500).build();
    UsageRecord second = usage("req_1", "2026-03-07T15:10:05Z").cost(9_000, 9_000).build();

    join(store.ledger().append(first));
    join(store.ledger().append(second));

    assertThat(store.ledger().byRequestId("req_1")).containsExactly(first);
  }

  @Test
  void aRecordWithANulCharacterInATextFieldIsStillKept() {
    join(store.ledger().append(usage("req_nul", "2026-03-07T15:10:00Z").user("eve\u0000").build()));

    assertThat(store.ledger().byRequestId("req_nul")).extracting(UsageRecord::user).singleElement()
        .asString().startsWith("eve");
  }

  @Test
  void concurrentAppendsOfOneRequestIdLeaveOneRecord() {
    List<CompletableFuture<Void>> appends = IntStream.range(0, 50)
        .mapToObj(i -> usage("req_same", "2026-03-07T15:10:00Z").cost(i, i).build())
        .map(r -> store.ledger().append(r).toCompletableFuture())
        .toList();
    appends.forEach(StoreContract::join);

    assertThat(store.ledger().byRequestId("req_same")).hasSize(1);
    assertThat(totals(Instant.parse("2026-03-07T00:00:00Z"), Instant.parse("2026-03-08T00:00:00Z")).requests())
        .isEqualTo(1);
  }

  @Test
  void concurrentAppendsAreAllCommitted() throws Exception {
    int threads = 16;
    int each = 250;
    Instant t0 = Instant.parse("2026-03-07T00:00:00Z");
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = 0; i < each; i++) {
            join(store.ledger().append(usage("req_" + thread + "_" + i, t0.plusMillis(i)).cost(1, 2).build()));
          }
        }));
      }
      for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
    }

    Row totals = totals(t0, t0.plusSeconds(3600));
    assertThat(totals.requests()).isEqualTo(threads * each);
    assertThat(totals.chargeNanos()).isEqualTo(2L * threads * each);
  }

  @Test
  void closingTheStoreCommitsEveryQueuedRecord() {
    Instant t0 = Instant.parse("2026-03-07T00:00:00Z");
    for (int i = 0; i < 2_000; i++) store.ledger().append(usage("req_" + i, t0.plusMillis(i)).build());
    store.close();

    store = Stores.open(url, InstantSource.fixed(NOW));
    assertThat(totals(t0, t0.plusSeconds(3600)).requests()).isEqualTo(2_000);
  }

  @Test
  void aRunsRecordsComeBackOldestFirstForItsTenantOnly() {
    appendAll(
        usage("req_3", "2026-03-07T15:00:03Z").run("run_1").build(),
        usage("req_1", "2026-03-07T15:00:01Z").run("run_1").build(),
        usage("req_2", "2026-03-07T15:00:02Z").run("run_2").build(),
        usage("req_4", "2026-03-07T15:00:00Z").run("run_1").tenant("globex").build());

    assertThat(store.ledger().byRun("acme", "run_1")).extracting(UsageRecord::requestId)
        .containsExactly("req_1", "req_3");
    assertThat(store.ledger().byRun("globex", "run_1")).extracting(UsageRecord::requestId)
        .containsExactly("req_4");
  }

  // --- aggregates over a small ledger whose sums are worked out by hand

  /**
   * Nine records around the start of daylight saving time in New York (2026-03-08, 07:00 UTC):
   * that local day is 23 hours long, from 05:00 UTC to 04:00 UTC the next day.
   */
  void appendTheSampleLedger() {
    appendAll(
        usage("r1", "2026-03-07T15:10:00Z").feature("chat").user("u1").tokens(100, 10).cost(1000, 1500).build(),
        usage("r2", "2026-03-07T15:50:00Z").feature("chat").tokens(200, 20).cost(2000, 3000).build(),
        usage("r3", "2026-03-07T16:05:00Z").feature("search").key("key_a2").model("gpt-4o-mini").tokens(300, 30)
            .cost(300, 450).build(),
        usage("r4", "2026-03-07T15:20:00Z").tenant("globex").key("key_g1").feature("chat").tokens(400, 40)
            .cost(4000, 4000).build(),
        usage("r5", "2026-03-08T04:59:59Z").feature("chat").tokens(50, 5).cost(500, 750).build(),
        usage("r6", "2026-03-08T05:00:00Z").feature("chat").tokens(60, 6).cost(600, 900).build(),
        usage("r7", "2026-03-09T03:59:00Z").feature("chat").tokens(70, 7).cost(700, 1050).build(),
        usage("r8", "2026-03-09T04:00:00Z").feature("chat").tokens(80, 8).cost(800, 1200).build(),
        usage("r9", "2026-03-07T15:30:00Z").feature("chat").model("gpt-5").refused(429, "budget_exceeded").build());
  }

  @Test
  void withoutGroupsTheAggregateIsOneRowOfTotals() {
    appendTheSampleLedger();

    Row totals = totals(Instant.parse("2026-03-01T00:00:00Z"), Instant.parse("2026-04-01T00:00:00Z"));

    assertThat(totals).isEqualTo(new Row(Map.of(), null, 9, 1260, 0, 0, 126, 9900, 12850, 0, 1));
    assertThat(totals(Instant.parse("2026-05-01T00:00:00Z"), Instant.parse("2026-06-01T00:00:00Z")))
        .isEqualTo(new Row(Map.of(), null, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  }

  @Test
  void hourlyUsageGroupedByTenantFeatureAndModel() {
    appendTheSampleLedger();

    List<Row> rows = store.ledger().aggregate(new Query(Instant.parse("2026-03-07T15:00:00Z"),
        Instant.parse("2026-03-07T17:00:00Z"), List.of("tenant", "feature", "model"), "hour", null, ZoneOffset.UTC));

    Instant h15 = Instant.parse("2026-03-07T15:00:00Z");
    Instant h16 = Instant.parse("2026-03-07T16:00:00Z");
    assertThat(rows).containsExactly(
        new Row(groups("acme", "chat", "gpt-4o"), h15, 2, 300, 0, 0, 30, 3000, 4500, 0, 0),
        new Row(groups("acme", "chat", "gpt-5"), h15, 1, 0, 0, 0, 0, 0, 0, 0, 1),
        new Row(groups("globex", "chat", "gpt-4o"), h15, 1, 400, 0, 0, 40, 4000, 4000, 0, 0),
        new Row(groups("acme", "search", "gpt-4o-mini"), h16, 1, 300, 0, 0, 30, 300, 450, 0, 0));
    assertThat(rows.getFirst().groups().keySet()).containsExactly("tenant", "feature", "model");
  }

  @Test
  void dailyUsageFollowsTheQueryZoneAcrossADaylightSavingChange() {
    appendTheSampleLedger();

    List<Row> rows = store.ledger().aggregate(new Query(Instant.parse("2026-03-01T00:00:00Z"),
        Instant.parse("2026-04-01T00:00:00Z"), List.of("tenant"), "day", null, NEW_YORK));

    assertThat(rows).containsExactly(
        new Row(Map.of("tenant", "acme"), Instant.parse("2026-03-07T05:00:00Z"), 5, 650, 0, 0, 65, 3800, 5700, 0, 1),
        new Row(Map.of("tenant", "globex"), Instant.parse("2026-03-07T05:00:00Z"), 1, 400, 0, 0, 40, 4000, 4000, 0, 0),
        new Row(Map.of("tenant", "acme"), Instant.parse("2026-03-08T05:00:00Z"), 2, 130, 0, 0, 13, 1300, 1950, 0, 0),
        new Row(Map.of("tenant", "acme"), Instant.parse("2026-03-09T04:00:00Z"), 1, 80, 0, 0, 8, 800, 1200, 0, 0));
  }

  @Test
  void dailyUsageInUtcSplitsTheSameRecordsDifferently() {
    appendTheSampleLedger();

    List<Row> rows = store.ledger().aggregate(new Query(Instant.parse("2026-03-01T00:00:00Z"),
        Instant.parse("2026-04-01T00:00:00Z"), List.of(), "day", "acme", ZoneOffset.UTC));

    assertThat(rows).extracting(Row::time, Row::requests).containsExactly(
        org.assertj.core.groups.Tuple.tuple(Instant.parse("2026-03-07T00:00:00Z"), 4L),
        org.assertj.core.groups.Tuple.tuple(Instant.parse("2026-03-08T00:00:00Z"), 2L),
        org.assertj.core.groups.Tuple.tuple(Instant.parse("2026-03-09T00:00:00Z"), 2L));
  }

  @Test
  void hoursInAHalfHourZoneStartAtHalfPastUtcAndTheTenantFilterHolds() {
    appendTheSampleLedger();

    List<Row> rows = store.ledger().aggregate(new Query(Instant.parse("2026-03-07T15:00:00Z"),
        Instant.parse("2026-03-07T16:00:00Z"), List.of(), "hour", "acme", ZoneId.of("Asia/Kolkata")));

    // r1 at 15:10 UTC is 20:40 in Kolkata; r9 (15:30) and r2 (15:50) are 21:00 and 21:20; r4 is globex's.
    assertThat(rows).containsExactly(
        new Row(Map.of(), Instant.parse("2026-03-07T14:30:00Z"), 1, 100, 0, 0, 10, 1000, 1500, 0, 0),
        new Row(Map.of(), Instant.parse("2026-03-07T15:30:00Z"), 2, 200, 0, 0, 20, 2000, 3000, 0, 1));
  }

  @Test
  void usageGroupsByStatusUserAndKeyWithNullsFirst() {
    appendTheSampleLedger();
    Instant from = Instant.parse("2026-03-01T00:00:00Z");
    Instant to = Instant.parse("2026-04-01T00:00:00Z");

    assertThat(store.ledger().aggregate(new Query(from, to, List.of("status"), null, null, null)))
        .extracting(r -> r.groups().get("status"), Row::requests)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("200", 8L),
            org.assertj.core.groups.Tuple.tuple("429", 1L));
    assertThat(store.ledger().aggregate(new Query(from, to, List.of("user", "key"), null, "acme", null)))
        .extracting(r -> r.groups().get("user"), r -> r.groups().get("key"), Row::requests)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(null, "key_a1", 6L),
            org.assertj.core.groups.Tuple.tuple(null, "key_a2", 1L),
            org.assertj.core.groups.Tuple.tuple("u1", "key_a1", 1L));
  }

  @Test
  void theTimeRangeIncludesItsStartAndExcludesItsEnd() {
    appendTheSampleLedger();

    assertThat(totals(Instant.parse("2026-03-08T05:00:00Z"), Instant.parse("2026-03-09T04:00:00Z")).requests())
        .isEqualTo(2); // r6 at the start, r7; not r8 at the end
  }

  @Test
  void groupingByAnUnknownColumnIsRefused() {
    appendTheSampleLedger();
    Instant from = Instant.parse("2026-03-01T00:00:00Z");
    Instant to = Instant.parse("2026-04-01T00:00:00Z");

    assertThatThrownBy(() -> store.ledger().aggregate(
        new Query(from, to, List.of("tenant; DROP TABLE usage_records"), null, null, null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tenant, user");
    assertThatThrownBy(() -> store.ledger().aggregate(new Query(from, to, List.of(), "week", null, null)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(totals(from, to).requests()).isEqualTo(9);
  }

  @Test
  void chargesAreSummedOverTheMatchingRecords() {
    appendTheSampleLedger();
    Instant from = Instant.parse("2026-03-07T00:00:00Z");
    Instant to = Instant.parse("2026-03-10T00:00:00Z");

    assertThat(store.ledger().chargeNanos(null, null, null, null, from, to)).isEqualTo(12850);
    assertThat(store.ledger().chargeNanos("acme", null, "chat", null, from, to)).isEqualTo(8400);
    assertThat(store.ledger().chargeNanos("acme", "key_a2", null, null, from, to)).isEqualTo(450);
    assertThat(store.ledger().chargeNanos("acme", null, null, "u1", from, to)).isEqualTo(1500);
    assertThat(store.ledger().chargeNanos("initech", null, null, null, from, to)).isZero();
  }

  @Test
  void minuteBucketsAndErrorCodesGroupUsage() {
    appendTheSampleLedger();

    List<Row> rows = store.ledger().aggregate(new Query(Instant.parse("2026-03-07T15:00:00Z"),
        Instant.parse("2026-03-07T16:00:00Z"), List.of("error_code"), "minute", "acme", ZoneId.of("Asia/Kolkata")));

    assertThat(rows).extracting(Row::time, r -> r.groups().get("error_code"), Row::requests).containsExactly(
        org.assertj.core.groups.Tuple.tuple(Instant.parse("2026-03-07T15:10:00Z"), null, 1L),
        org.assertj.core.groups.Tuple.tuple(Instant.parse("2026-03-07T15:30:00Z"), "budget_exceeded", 1L),
        org.assertj.core.groups.Tuple.tuple(Instant.parse("2026-03-07T15:50:00Z"), null, 1L));
  }

  /**
   * A hundred answered calls on gpu-1 taking 1..100 ms, every tenth one streamed with its first
   * chunk at a tenth of its latency; beside them calls that must not count: a failure, a cache
   * hit, a refusal, and another tenant's call on cpu-1.
   */
  void appendTheLatencyLedger() {
    List<UsageRecord> records = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      long micros = i * 1_000L;
      records.add(usage("l" + i, Instant.parse("2026-03-07T15:00:00Z").plusSeconds(i * 60L)).deployment("gpu-1")
          .latency(micros, i % 10 == 0 ? micros / 10 : -1).build());
    }
    records.add(usage("f1", "2026-03-07T15:30:00Z").deployment("gpu-1").latency(30_000_000, -1)
        .failed(504, "upstream_timeout").build());
    records.add(usage("h1", "2026-03-07T15:30:00Z").deployment("gpu-1").latency(10, -1).cacheStatus("hit").build());
    records.add(usage("x1", "2026-03-07T15:30:00Z").refused(429, "budget_exceeded").build());
    records.add(usage("c1", "2026-03-07T15:30:00Z").tenant("globex").deployment("cpu-1").latency(7_000, 700).build());
    appendAll(records.toArray(UsageRecord[]::new));
  }

  @Test
  void latencyPercentilesAreNearestRankOverAnsweredCallsPerDeployment() {
    appendTheLatencyLedger();

    List<LatencyRow> rows = store.ledger().latency(new Query(Instant.parse("2026-03-07T00:00:00Z"),
        Instant.parse("2026-03-08T00:00:00Z"), List.of("deployment"), null, null, ZoneOffset.UTC));

    assertThat(rows).containsExactly(
        new LatencyRow(Map.of("deployment", "cpu-1"), null, new Percentiles(1, 7_000, 7_000, 7_000),
            new Percentiles(1, 700, 700, 700)),
        new LatencyRow(Map.of("deployment", "gpu-1"), null, new Percentiles(100, 50_000, 90_000, 99_000),
            new Percentiles(10, 5_000, 9_000, 10_000)));
  }

  @Test
  void latencyPercentilesComeInBucketsAndForOneTenant() {
    appendTheLatencyLedger();

    List<LatencyRow> rows = store.ledger().latency(new Query(Instant.parse("2026-03-07T00:00:00Z"),
        Instant.parse("2026-03-08T00:00:00Z"), List.of(), "hour", "acme", ZoneOffset.UTC));

    // 15:01..15:59 hold calls 1..59; 16:00..16:40 hold 60..100
    assertThat(rows).containsExactly(
        new LatencyRow(Map.of(), Instant.parse("2026-03-07T15:00:00Z"), new Percentiles(59, 30_000, 54_000, 59_000),
            new Percentiles(5, 3_000, 5_000, 5_000)),
        new LatencyRow(Map.of(), Instant.parse("2026-03-07T16:00:00Z"), new Percentiles(41, 80_000, 96_000, 100_000),
            new Percentiles(5, 8_000, 10_000, 10_000)));
    assertThat(store.ledger().latency(new Query(Instant.parse("2026-03-09T00:00:00Z"),
        Instant.parse("2026-03-10T00:00:00Z"), List.of("deployment"), "hour", null, ZoneOffset.UTC))).isEmpty();
  }

  // --- agent runs

  @Test
  void aRunIsOpenedOnceAndTheFirstWritersStartAndDepthAreKept() {
    Runs.Run first = store.runs().open(new Runs.Run("acme", "run-1", "root-1", 1, NOW, null));
    Runs.Run again = store.runs().open(new Runs.Run("acme", "run-1", null, 0, NOW.plusSeconds(60), null));

    assertThat(first).isEqualTo(new Runs.Run("acme", "run-1", "root-1", 1, NOW, null));
    assertThat(again).isEqualTo(first);
  }

  @Test
  void theSameRunIdInTwoTenantsIsTwoRuns() {
    store.runs().open(new Runs.Run("acme", "run-1", null, 0, NOW, null));
    store.runs().stop("acme", "run-1", NOW.plusSeconds(5));

    assertThat(store.runs().get("globex", "run-1")).isEmpty();
    store.runs().open(new Runs.Run("globex", "run-1", null, 0, NOW, null));
    assertThat(store.runs().get("globex", "run-1").orElseThrow().stoppedAt()).isNull();
    assertThat(store.runs().get("acme", "run-1").orElseThrow().stoppedAt()).isEqualTo(NOW.plusSeconds(5));
  }

  @Test
  void stoppingKeepsTheFirstStopTimeAndRecordsARunNotSeenBefore() {
    Runs.Run stopped = store.runs().stop("acme", "never-called", NOW);
    store.runs().stop("acme", "never-called", NOW.plusSeconds(30));

    assertThat(stopped.stoppedAt()).isEqualTo(NOW);
    assertThat(store.runs().get("acme", "never-called").orElseThrow().stoppedAt()).isEqualTo(NOW);
  }

  @Test
  void verdictsAreReadBackPerRunOldestFirst() {
    store.runs().addVerdict(new Runs.Verdict("acme", "r", "req_2", NOW.plusSeconds(2), "stop", "exact_repeat", "3 times"));
    store.runs().addVerdict(new Runs.Verdict("acme", "r", "req_1", NOW.plusSeconds(1), "warn", "exact_repeat", "twice"));
    store.runs().addVerdict(new Runs.Verdict("globex", "r", "req_3", NOW, "stop", "max_calls", "10 calls"));

    assertThat(store.runs().verdicts("acme", "r")).extracting(Runs.Verdict::requestId).containsExactly("req_1", "req_2");
    assertThat(store.runs().verdicts("acme", "r").getFirst())
        .isEqualTo(new Runs.Verdict("acme", "r", "req_1", NOW.plusSeconds(1), "warn", "exact_repeat", "twice"));
  }

  @Test
  void aTenantsRunPolicyIsReplacedWhole() {
    assertThat(store.runs().policy("acme")).isEmpty();
    store.runs().putPolicy("acme", "{\"max_calls\":5}", NOW);
    store.runs().putPolicy("acme", "{\"max_depth\":2}", NOW.plusSeconds(1));

    assertThat(store.runs().policy("acme")).contains("{\"max_depth\":2}");
    assertThat(store.runs().policy("globex")).isEmpty();
  }

  @Test
  void aKeysRunPolicyIsReplacedWholeAndKeptApartFromItsTenants() {
    assertThat(store.runs().keyPolicy("key_a")).isEmpty();
    store.runs().putKeyPolicy("key_a", "{\"max_calls\":5}", NOW);
    store.runs().putKeyPolicy("key_a", "{\"max_depth\":2}", NOW.plusSeconds(1));

    assertThat(store.runs().keyPolicy("key_a")).contains("{\"max_depth\":2}");
    assertThat(store.runs().keyPolicy("key_b")).isEmpty();
    assertThat(store.runs().policy("key_a")).as("not a tenant's").isEmpty();
  }

  // --- helpers

  Row totals(Instant from, Instant to) {
    List<Row> rows = store.ledger().aggregate(new Query(from, to, List.of(), null, null, null));
    assertThat(rows).hasSize(1);
    return rows.getFirst();
  }

  void appendAll(UsageRecord... records) {
    List<CompletableFuture<Void>> appends = new ArrayList<>();
    for (UsageRecord r : records) appends.add(store.ledger().append(r).toCompletableFuture());
    appends.forEach(StoreContract::join);
  }

  static void join(java.util.concurrent.CompletionStage<Void> stage) {
    try {
      stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("append did not complete", e);
    }
  }

  static Map<String, String> groups(String tenant, String feature, String model) {
    Map<String, String> groups = new java.util.LinkedHashMap<>();
    groups.put("tenant", tenant);
    groups.put("feature", feature);
    groups.put("model", model);
    return groups;
  }

  static ApiKey key(String id, String tenant, String hash, Instant createdAt) {
    return new ApiKey(id, tenant, "ci", hash, "wxyz", List.of(), createdAt, null, null);
  }

  static Budget budget(String id, String tenant, List<Double> alertAt) {
    return new Budget(id, "tenant", tenant, null, 5_000_000_000L, "month", "block", alertAt,
        "http://127.0.0.1:9/hook", NOW);
  }

  static String hash(String secret) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
