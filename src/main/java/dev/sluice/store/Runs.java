package dev.sluice.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Agent runs as the store keeps them beside the ledger: each run's place in its tree of sub-runs,
 * whether it was stopped, the run guard's verdicts, and each tenant's and key's run policy. Every run is
 * addressed by (tenant, id); the same id in two tenants is two runs.
 */
public interface Runs {

  /**
   * A run.
   *
   * @param parent the id of the run that started it (same tenant), or {@code null} for a root run
   * @param depth 0 for a root run, the parent's depth plus one for a sub-run
   * @param stoppedAt when the run was stopped by an operator, or {@code null}
   */
  record Run(String tenant, String id, String parent, int depth, Instant startedAt, Instant stoppedAt) {}

  /**
   * One verdict of the run guard on a call.
   *
   * @param verdict {@code warn}, {@code slow} or {@code stop}
   * @param reason the loop pattern ({@code exact_repeat}...) or the limit ({@code max_calls}...)
   */
  record Verdict(String tenant, String run, String requestId, Instant time, String verdict, String reason,
      String detail) {}

  /** Records a run unless it is known; returns the stored one (the first writer's, across replicas). */
  Run open(Run run);

  Optional<Run> get(String tenant, String id);

  /** Marks a run stopped (recording it when it was unknown); returns it. A second stop keeps the first time. */
  Run stop(String tenant, String id, Instant at);

  void addVerdict(Verdict verdict);

  /** A run's verdicts, oldest first. */
  List<Verdict> verdicts(String tenant, String run);

  /** The tenant's run policy as JSON text (only the keys it sets), or empty. */
  Optional<String> policy(String tenant);

  void putPolicy(String tenant, String policyJson, Instant at);

  /** An API key's run policy as JSON text (only the keys it sets), or empty. */
  Optional<String> keyPolicy(String keyId);

  void putKeyPolicy(String keyId, String policyJson, Instant at);
}
