package dev.sluice.store;

/**
 * The usage ledger refused a record because its queue is full: records arrive faster than the
 * database commits them. Nothing was queued; the caller decides whether to fail the request.
 */
public final class LedgerFullException extends StoreException {
  public LedgerFullException(String message) {
    super(message);
  }
}
