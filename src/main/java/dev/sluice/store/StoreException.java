package dev.sluice.store;

/** The store could not do what was asked (connection lost, constraint violated). */
public class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreException(String message) {
    super(message);
  }
}
