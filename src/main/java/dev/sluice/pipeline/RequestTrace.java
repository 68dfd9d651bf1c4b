package dev.sluice.pipeline;

import java.util.ArrayList;
import java.util.List;

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

  private final List<Attempt> attempts = new ArrayList<>(2);
  private List<MeteredListener> listeners;
  private boolean metered;
  private long hourlyCostNanos;
  private long avoidedNanos;
  private String avoidedBy;
  private boolean hourlyPriced;

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

  /** Records that the request was not sent upstream, which saved {@code nanos} (its worst-case cost). */
  public void avoided(long nanos, String mechanism) {
    avoidedNanos = nanos;
    avoidedBy = mechanism;
  }

  /** The cost avoided by not serving the request upstream, 0 when it was served. */
  public long avoidedNanos() {
    return avoidedNanos;
  }

  /** What avoided it ({@code run_guard}...), or {@code null}. */
  public String avoidedBy() {
    return avoidedBy;
  }

  /** Whether any attempt ran on a deployment priced by the hour. */
  public boolean hourlyPriced() {
    return hourlyPriced;
  }
}
