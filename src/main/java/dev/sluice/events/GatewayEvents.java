package dev.sluice.events;

import dev.sluice.store.UsageRecord;
import java.util.List;

/**
 * What the gateway tells its observers (metrics, the access log) as requests go by. The core calls
 * these at fixed points; each observer is an adapter in its own package.
 *
 * <p>Contract for implementations: be fast, never throw, never block: they run on the request's
 * event loop. Every method has a no-op default, so an observer implements only what it needs.
 */
public interface GatewayEvents {

  GatewayEvents NONE = new GatewayEvents() {};

  /** A model call arrived (counted in flight until {@link #metered}). */
  default void requestStarted() {}

  /** A model call ended and was metered: everything the ledger keeps about it. */
  default void metered(UsageRecord record) {}

  /**
   * An upstream attempt failed.
   *
   * @param failureClass {@code timeout}, {@code connect}, {@code status_5xx}, {@code status_429},
   *     {@code status_4xx}, {@code malformed}, {@code broken} or {@code skipped}
   */
  default void attemptFailed(String model, String deployment, String pool, String failureClass) {}

  /**
   * The run guard gave a verdict on a call of an agent run.
   *
   * @param verdict {@code warn}, {@code slow} or {@code stop}
   * @param reason the loop pattern ({@code exact_repeat}...) or the limit ({@code max_calls}...)
   */
  default void runVerdict(String tenant, String verdict, String reason) {}

  /**
   * An agent run went idle and this process forgot it: one agent invocation, in the OpenTelemetry
   * GenAI sense, has ended.
   *
   * @param inferenceCalls the model calls it made (refused ones not included)
   * @param toolCalls the tool calls its replies asked for
   * @param durationSeconds from its first call to its last activity
   */
  default void runEnded(String tenant, long inferenceCalls, long toolCalls, double durationSeconds) {}

  /** All of {@code observers}, in order; one that throws does not stop the others. */
  static GatewayEvents all(List<GatewayEvents> observers) {
    List<GatewayEvents> list = List.copyOf(observers);
    return new GatewayEvents() {
      @Override
      public void requestStarted() {
        for (GatewayEvents e : list) {
          try {
            e.requestStarted();
          } catch (RuntimeException ignored) {
            // an observer must not fail a request
          }
        }
      }

      @Override
      public void metered(UsageRecord record) {
        for (GatewayEvents e : list) {
          try {
            e.metered(record);
          } catch (RuntimeException ignored) {
            // an observer must not fail a request
          }
        }
      }

      @Override
      public void runVerdict(String tenant, String verdict, String reason) {
        for (GatewayEvents e : list) {
          try {
            e.runVerdict(tenant, verdict, reason);
          } catch (RuntimeException ignored) {
            // an observer must not fail a request
          }
        }
      }

      @Override
      public void runEnded(String tenant, long inferenceCalls, long toolCalls, double durationSeconds) {
        for (GatewayEvents e : list) {
          try {
            e.runEnded(tenant, inferenceCalls, toolCalls, durationSeconds);
          } catch (RuntimeException ignored) {
            // an observer must not fail a request
          }
        }
      }

      @Override
      public void attemptFailed(String model, String deployment, String pool, String failureClass) {
        for (GatewayEvents e : list) {
          try {
            e.attemptFailed(model, deployment, pool, failureClass);
          } catch (RuntimeException ignored) {
            // an observer must not fail a request
          }
        }
      }
    };
  }
}
