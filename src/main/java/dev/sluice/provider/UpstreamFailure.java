package dev.sluice.provider;

import java.time.Duration;

/** How one upstream attempt failed. The route stage decides what to do about it. */
public sealed interface UpstreamFailure {

  /** One line for logs and for the client's error message; never contains secrets. */
  String summary();

  /** No connection could be made (refused, DNS, TLS). */
  record ConnectFailed(String detail) implements UpstreamFailure {
    @Override
    public String summary() {
      return "connection failed: " + detail;
    }
  }

  /** A timeout fired. */
  record TimedOut(Phase phase, Duration after) implements UpstreamFailure {
    public enum Phase { CONNECT, FIRST_BYTE, IDLE, TOTAL }

    @Override
    public String summary() {
      String what = switch (phase) {
        case CONNECT -> "no connection";
        case FIRST_BYTE -> "no answer";
        case IDLE -> "no data";
        case TOTAL -> "not finished";
      };
      return what + " within " + after.toMillis() + " ms (" + phase.name().toLowerCase().replace('_', ' ') + " timeout)";
    }
  }

  /**
   * The upstream answered with an error status.
   *
   * @param retryAfter what {@code Retry-After} asked for, or {@code null}
   */
  record ErrorStatus(int status, Duration retryAfter, String message, String type, String param, String code)
      implements UpstreamFailure {
    @Override
    public String summary() {
      return "HTTP " + status + (message == null || message.isBlank() ? "" : ": " + message);
    }
  }

  /** The upstream answered with something that is not the expected format. */
  record Malformed(String detail) implements UpstreamFailure {
    @Override
    public String summary() {
      return "malformed answer: " + detail;
    }
  }

  /** The connection broke or closed before the answer was complete. */
  record Broken(String detail) implements UpstreamFailure {
    @Override
    public String summary() {
      return "connection broken: " + detail;
    }
  }

  /** Sluice did not send the attempt: the deployment was unavailable (circuit open, cooling down, at capacity). */
  record Skipped(String reason, Duration availableIn) implements UpstreamFailure {
    @Override
    public String summary() {
      return reason;
    }
  }
}
