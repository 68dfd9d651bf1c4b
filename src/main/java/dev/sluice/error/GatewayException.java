package dev.sluice.error;

/**
 * Carries a {@link GatewayError} through futures and call stacks. It records no stack trace: it is
 * an expected outcome, not a bug, and creating one must stay cheap on the hot path.
 */
public final class GatewayException extends RuntimeException {
  private final GatewayError error;

  public GatewayException(GatewayError error) {
    super(error.message(), null, false, false);
    this.error = error;
  }

  public GatewayError error() {
    return error;
  }

  /** The error behind any throwable: a {@link GatewayException}'s own, or {@link GatewayError.Internal}. */
  public static GatewayError errorOf(Throwable t) {
    if (t instanceof GatewayException e) {
      return e.error;
    }
    return new GatewayError.Internal("Internal error in Sluice; see its log.");
  }
}
