package dev.sluice.provider;

/** Carries an {@link UpstreamFailure} through a future. Records no stack trace: failures are expected. */
public final class UpstreamException extends RuntimeException {
  private final UpstreamFailure failure;

  public UpstreamException(UpstreamFailure failure) {
    super(failure.summary(), null, false, false);
    this.failure = failure;
  }

  public UpstreamFailure failure() {
    return failure;
  }
}
