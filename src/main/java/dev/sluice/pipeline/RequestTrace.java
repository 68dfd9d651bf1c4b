package dev.sluice.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What happened while one request was served, written by the stages as it happens and read by
 * the meter when the request ends: each upstream attempt, and amounts that per-attempt stages know
 * best (the share of a self-hosted deployment's hourly cost).
 *
 * <p>Not thread-safe by design: a request runs on one event loop from start to end.
 */
public final class RequestTrace {

  /**
   * One upstream attempt.
   *
   * @param status the upstream's HTTP status, 0 when no answer came
   * @param error a short description of the failure, or {@code null} on success
   */
  public record Attempt(String model, String deployment, String provider, String pool, int status, String error,
      long latencyMicros) {}

  /** Told once the request's final usage and amounts are known (admission settles its reservations here). */
  @FunctionalInterface
  public interface MeteredListener {
    /**
     * @param tokens tokens the request used (input of every kind plus output)
     */
    void metered(long tokens, long costNanos, long chargeNanos);
  }

  /**
   * An answer that was paid for but not returned to the client: a cascade's cheap answer, replaced
   * by its strong model's.
   *
   * @param usage the answer's OpenAI {@code usage} object, or {@code null} when it had none
   */
  public record Discarded(Served served, com.fasterxml.jackson.databind.JsonNode usage) {}

  private final List<Attempt> attempts = new ArrayList<>(2);
  private Map<Class<?>, Object> derived;
  private String answeredInsteadOf;
  private List<Discarded> discarded;
  private List<MeteredListener> listeners;
  private boolean metered;
  private long hourlyCostNanos;
  private long avoidedNanos;
  private boolean hourlyPriced;
  private String cacheStatus = "off";
  private String avoidedBy;
  private long originalCostNanos = -1;

  /**
   * A value derived from the request alone, computed by the first stage that asks and shared with
   * the later ones (the worst-case estimate that both admission and the run guard reserve).
   */
  public <T> T derived(Class<T> type, Supplier<T> compute) {
    if (derived == null) derived = new HashMap<>(2);
    Object value = derived.get(type);
    if (value == null) {
      value = compute.get();
      derived.put(type, value);
    }
    return type.cast(value);
  }

  /** The value of {@code type} an earlier stage derived ({@link #derived}), or null when none did. */
  public <T> T derivedIfKnown(Class<T> type) {
    return derived == null ? null : type.cast(derived.get(type));
  }

  public void attempt(Attempt attempt) {
    attempts.add(attempt);
  }

  public List<Attempt> attempts() {
    return List.copyOf(attempts);
  }

  /** Adds a self-hosted deployment's share of its hourly cost for this request. */
  public void addHourlyCost(long nanos) {
    hourlyCostNanos += nanos;
    hourlyPriced = true;
  }

  public long hourlyCostNanos() {
    return hourlyCostNanos;
  }

  /** Asks to be told when the request is metered. */
  public void onMetered(MeteredListener listener) {
    if (listeners == null) listeners = new ArrayList<>(2);
    listeners.add(listener);
  }

  /** The meter calls this once with the request's final figures; later calls do nothing. */
  public void metered(long tokens, long costNanos, long chargeNanos) {
    if (metered) return;
    metered = true;
    if (listeners == null) return;
    for (MeteredListener l : listeners) l.metered(tokens, costNanos, chargeNanos);
  }

  /** How the response cache handled the request: {@code off} or {@code miss} (the upstream answered). */
  public void cacheStatus(String status) {
    cacheStatus = status;
  }

  /**
   * The request was answered without calling the upstream. The meter records it at zero cost, with
   * the cost it avoided: the answer's usage at the current price, else {@code originalCostNanos}.
   *
   * @param status {@code hit}, {@code semantic} or {@code joined}
   * @param mechanism what avoided the call: {@code exact}, {@code semantic}, {@code joined}, {@code cascade}
   * @param originalCostNanos what the original answer cost, or -1 when unknown
   */
  public void answeredWithoutUpstream(String status, String mechanism, long originalCostNanos) {
    this.cacheStatus = status;
    this.avoidedBy = mechanism;
    this.originalCostNanos = originalCostNanos;
  }

  /** {@code off}, {@code miss}, {@code hit}, {@code semantic} or {@code joined}. */
  public String cacheStatus() {
    return cacheStatus;
  }

  /** Records that a guard refused the request before any upstream call, avoiding {@code nanos} (its worst case). */
  public void avoided(long nanos, String mechanism) {
    avoidedNanos = nanos;
    avoidedBy = mechanism;
  }

  /** The cost a guard's refusal avoided, 0 when none refused it (the meter prices cache hits itself). */
  public long avoidedNanos() {
    return avoidedNanos;
  }

  /** What avoided the upstream call ({@code exact}, {@code semantic}, {@code joined}, {@code run_guard}...), or {@code null}. */
  public String avoidedBy() {
    return avoidedBy;
  }

  /** What the answer cost when it was first made, or -1; meaningful when {@link #avoidedBy} is set. */
  public long originalCostNanos() {
    return originalCostNanos;
  }

  /**
   * A cascade's cheap model answered instead of {@code model}: the meter records, as avoided, what
   * {@code model} would have cost for the same usage, less what the answer cost.
   */
  public void answeredInsteadOf(String model) {
    answeredInsteadOf = model;
  }

  /** The model a cheaper one answered instead of, or {@code null}. */
  public String answeredInsteadOf() {
    return answeredInsteadOf;
  }

  /** Records an answer that was paid for but replaced; the meter adds its cost to the request's. */
  public void discarded(Discarded answer) {
    if (discarded == null) discarded = new ArrayList<>(1);
    discarded.add(answer);
  }

  public List<Discarded> discarded() {
    return discarded == null ? List.of() : List.copyOf(discarded);
  }

  /** Whether any attempt ran on a deployment priced by the hour. */
  public boolean hourlyPriced() {
    return hourlyPriced;
  }
}
