package dev.sluice.store.jdbc;

/**
 * What the ledger writer has done since the store opened.
 *
 * @param committed records committed
 * @param failed records whose commit failed
 * @param rejected appends refused at once (queue full, store closed, record incomplete)
 * @param transactions transactions committed; {@code committed / transactions} is the mean group
 * @param queued records waiting to be committed now
 */
public record LedgerStats(long committed, long failed, long rejected, long transactions, int queued) {}
