package dev.sluice.store;

import dev.sluice.store.jdbc.JdbcStore;
import dev.sluice.store.jdbc.StoreUrl;
import java.time.InstantSource;

/**
 * Opens the store named by the {@code store:} setting.
 *
 * <ul>
 *   <li>{@code sqlite:PATH}, the default ({@value #DEFAULT}): an SQLite file. A relative path is
 *       relative to the working directory; missing folders are created. WAL mode with
 *       {@code synchronous=NORMAL}: a committed record survives a crash of Sluice ({@code kill -9})
 *       but not necessarily a power cut; {@code sqlite:PATH?sync=full} survives that too, at the
 *       cost of a disk flush per commit.
 *   <li>{@code postgresql://HOST[:PORT]/DATABASE?user=USER[&password=P][&schema=S][&sslmode=M]},
 *       or {@code postgres://...}, or with {@code USER:PASSWORD@} before the host: a PostgreSQL
 *       database that several replicas can share. Commits are durable as PostgreSQL's own
 *       settings make them ({@code synchronous_commit=on} by default).
 * </ul>
 *
 * The tables are created or migrated when the store opens. Anything else is refused with an
 * {@link IllegalArgumentException} naming the forms accepted; a database that cannot be reached
 * or migrated, with a {@link StoreException}.
 */
public final class Stores {
  /** The default store: {@code data/sluice.db} under the working directory. */
  public static final String DEFAULT = StoreUrl.DEFAULT;

  private Stores() {}

  public static Store open(String url) {
    return open(url, InstantSource.system());
  }

  /** Opens a store whose creation times ({@code createdAt} of tenants, alert marks) come from {@code clock}. */
  public static Store open(String url, InstantSource clock) {
    return JdbcStore.open(StoreUrl.parse(url), clock);
  }
}
