package dev.sluice.store.jdbc;

import dev.sluice.store.Runs;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Runs, verdicts and run policies (of tenants and of keys). Opening and stopping a run are single statements that let the
 * database's key decide between concurrent writers ({@code ON CONFLICT}), so replicas agree on a
 * run's start, depth and stop time.
 */
final class JdbcRuns implements Runs {
  private static final String COLUMNS = "tenant, id, parent, depth, started_at, stopped_at";
  private static final String VERDICT_COLUMNS = "tenant, run, request_id, time, verdict, reason, detail";

  private final Jdbc jdbc;

  JdbcRuns(Jdbc jdbc) {
    this.jdbc = jdbc;
  }

  @Override
  public Run open(Run run) {
    jdbc.change("open run " + run.id() + " of tenant '" + run.tenant() + "'",
        "INSERT INTO runs (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        run.tenant(), run.id(), run.parent(), run.depth(), run.startedAt(), run.stoppedAt());
    return get(run.tenant(), run.id()).orElseThrow();
  }

  @Override
  public Optional<Run> get(String tenant, String id) {
    return jdbc.queryOne("read run " + id + " of tenant '" + tenant + "'",
        "SELECT " + COLUMNS + " FROM runs WHERE tenant = ? AND id = ?", this::run, tenant, id);
  }

  @Override
  public Run stop(String tenant, String id, Instant at) {
    jdbc.change("stop run " + id + " of tenant '" + tenant + "'",
        "INSERT INTO runs (" + COLUMNS + ") VALUES (?, ?, NULL, 0, ?, ?) "
            + "ON CONFLICT (tenant, id) DO UPDATE SET stopped_at = COALESCE(runs.stopped_at, excluded.stopped_at)",
        tenant, id, at, at);
    return get(tenant, id).orElseThrow();
  }

  @Override
  public void addVerdict(Verdict v) {
    jdbc.change("record a verdict on run " + v.run(),
        "INSERT INTO run_verdicts (" + VERDICT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)",
        v.tenant(), v.run(), v.requestId(), v.time(), v.verdict(), v.reason(), v.detail());
  }

  @Override
  public List<Verdict> verdicts(String tenant, String run) {
    return jdbc.query("read the verdicts of run " + run,
        "SELECT " + VERDICT_COLUMNS + " FROM run_verdicts WHERE tenant = ? AND run = ? ORDER BY time",
        rs -> new Verdict(rs.getString("tenant"), rs.getString("run"), rs.getString("request_id"),
            jdbc.dialect().time(rs, "time"), rs.getString("verdict"), rs.getString("reason"), rs.getString("detail")),
        tenant, run);
  }

  @Override
  public Optional<String> policy(String tenant) {
    return jdbc.queryOne("read the run policy of tenant '" + tenant + "'",
        "SELECT policy FROM run_policies WHERE tenant = ?", rs -> rs.getString("policy"), tenant);
  }

  @Override
  public void putPolicy(String tenant, String policyJson, Instant at) {
    jdbc.change("set the run policy of tenant '" + tenant + "'",
        "INSERT INTO run_policies (tenant, policy, updated_at) VALUES (?, ?, ?) "
            + "ON CONFLICT (tenant) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at",
        tenant, policyJson, at);
  }

  @Override
  public Optional<String> keyPolicy(String keyId) {
    return jdbc.queryOne("read the run policy of key " + keyId,
        "SELECT policy FROM key_run_policies WHERE key_id = ?", rs -> rs.getString("policy"), keyId);
  }

  @Override
  public void putKeyPolicy(String keyId, String policyJson, Instant at) {
    jdbc.change("set the run policy of key " + keyId,
        "INSERT INTO key_run_policies (key_id, policy, updated_at) VALUES (?, ?, ?) "
            + "ON CONFLICT (key_id) DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at",
        keyId, policyJson, at);
  }

  private Run run(ResultSet rs) throws SQLException {
    return new Run(rs.getString("tenant"), rs.getString("id"), rs.getString("parent"), rs.getInt("depth"),
        jdbc.dialect().time(rs, "started_at"), jdbc.dialect().time(rs, "stopped_at"));
  }
}
