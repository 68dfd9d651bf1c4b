package dev.sluice.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.sluice.store.ApiKeys;
import dev.sluice.store.Budgets;
import dev.sluice.store.RateLimits;
import dev.sluice.store.Runs;
import dev.sluice.store.Store;
import dev.sluice.store.StoreException;
import dev.sluice.store.Tenants;
import dev.sluice.store.UsageLedger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The store on a JDBC database, SQLite or PostgreSQL: one pool of connections (HikariCP), the
 * schema brought up to date by Flyway when it opens, and the same SQL for both databases except
 * where {@link Dialect} says otherwise.
 *
 * <p>SQLite runs in WAL mode with {@code synchronous=NORMAL}: a committed transaction survives a
 * crash of the process (it is in the WAL file, which the operating system keeps), but the last
 * commits may be lost on a power cut unless the URL asks for {@code sync=full}. Writers wait for
 * each other (busy timeout 5 s), and write transactions take the write lock when they begin
 * ({@code BEGIN IMMEDIATE}), so two of them never deadlock. Foreign keys are enforced.
 */
public final class JdbcStore implements Store {
  private static final int SQLITE_BUSY_TIMEOUT_MS = 5_000;

  private final String description;
  private final HikariDataSource pool;
  private final JdbcTenants tenants;
  private final JdbcApiKeys keys;
  private final JdbcBudgets budgets;
  private final JdbcRateLimits rateLimits;
  private final JdbcRuns runs;
  private final JdbcUsageLedger ledger;
  private final dev.sluice.store.JournaledLedger journal;

  private JdbcStore(String description, HikariDataSource pool, Dialect dialect, InstantSource clock,
      LedgerWriter.Limits limits, java.nio.file.Path journalDir) {
    this.description = description;
    this.pool = pool;
    Jdbc jdbc = new Jdbc(pool, dialect);
    this.tenants = new JdbcTenants(jdbc, clock);
    this.keys = new JdbcApiKeys(jdbc);
    this.budgets = new JdbcBudgets(jdbc, clock);
    this.rateLimits = new JdbcRateLimits(jdbc);
    this.runs = new JdbcRuns(jdbc);
    this.ledger = new JdbcUsageLedger(jdbc, limits);
    this.journal = journalDir == null ? null : dev.sluice.store.JournaledLedger.open(ledger, journalDir);
  }

  /**
   * Where the ledger journal of a store goes: beside an SQLite file, unless every commit already
   * waits for the disk ({@code sync=full}); none for PostgreSQL, whose replicas share no disk (its
   * commits are waited for).
   */
  static java.nio.file.Path journalDir(StoreUrl url) {
    return url instanceof StoreUrl.Sqlite s && !s.fullSync()
        ? java.nio.file.Path.of(s.file().toString() + ".journal") : null;
  }

  /** Opens the store at {@code url}, creating or migrating its tables. */
  public static JdbcStore open(StoreUrl url, InstantSource clock) {
    return open(url, clock, journalDir(url) != null ? LedgerWriter.Limits.JOURNALED : LedgerWriter.Limits.DEFAULT);
  }

  static JdbcStore open(StoreUrl url, InstantSource clock, LedgerWriter.Limits limits) {
    HikariDataSource pool = switch (url) {
      case StoreUrl.Sqlite s -> sqlitePool(s);
      case StoreUrl.Postgres p -> postgresPool(p);
    };
    try {
      Dialect dialect = switch (url) {
        case StoreUrl.Sqlite s -> Dialect.Sqlite.INSTANCE;
        case StoreUrl.Postgres p -> Dialect.Postgres.INSTANCE;
      };
      migrate(pool, dialect, url instanceof StoreUrl.Postgres p ? p.schema() : null, url);
      return new JdbcStore(url.describe(), pool, dialect, clock, limits, journalDir(url));
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  private static HikariDataSource sqlitePool(StoreUrl.Sqlite url) {
    Path parent = url.file().toAbsolutePath().getParent();
    try {
      if (parent != null) Files.createDirectories(parent);
    } catch (IOException e) {
      throw new StoreException("could not create the folder " + parent + " for " + url.describe() + ": " + e, e);
    }
    createWithLargePages(url);
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(url.fullSync() ? SQLiteConfig.SynchronousMode.FULL : SQLiteConfig.SynchronousMode.NORMAL);
    config.setBusyTimeout(SQLITE_BUSY_TIMEOUT_MS);
    config.enforceForeignKeys(true);
    config.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    // A bigger page cache keeps the ledger's index pages in memory (the default is 2 MiB), and
    // memory-mapped reads avoid copying pages; both cut the CPU cost of each insert.
    config.setCacheSize(-32_768);
    config.setPragma(SQLiteConfig.Pragma.MMAP_SIZE, Long.toString(256L << 20));
    config.setTempStore(SQLiteConfig.TempStore.MEMORY);
    SQLiteDataSource sqlite = new SQLiteDataSource(config);
    sqlite.setUrl("jdbc:sqlite:" + url.file());

    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("sluice-store");
    hikari.setDataSource(sqlite);
    hikari.setMaximumPoolSize(4);
    hikari.setConnectionTimeout(10_000);
    return pool(hikari, url);
  }

  /** The page size of a database Sluice creates; SQLite's default is 4 KiB. */
  static final int SQLITE_PAGE_SIZE = 16_384;

  /**
   * Creates a missing (or empty) SQLite file with {@link #SQLITE_PAGE_SIZE} pages, in WAL mode.
   *
   * <p>Why: the usage ledger appends a row of 31 columns, with four index entries, for every
   * request, and with 16 KiB pages those inserts cost less CPU: at 32 connections on two vCPUs,
   * Sluice served 4.6 to 10.7 % more requests than with 4 KiB pages, in every round of three
   * side-by-side runs (docs/benchmarks.md).
   *
   * <p>A page size can only be set before the first write, and switching to WAL writes the header,
   * so this runs on its own connection before the pool's, which switch to WAL as they open. A file
   * that already holds a database keeps its page size.
   */
  private static void createWithLargePages(StoreUrl.Sqlite url) {
    try {
      if (Files.exists(url.file()) && Files.size(url.file()) > 0) return;
    } catch (IOException e) {
      return; // the pool's own open reports what is wrong with the file
    }
    SQLiteConfig config = new SQLiteConfig();
    config.setPageSize(SQLITE_PAGE_SIZE);
    SQLiteDataSource create = new SQLiteDataSource(config);
    create.setUrl("jdbc:sqlite:" + url.file());
    try (Connection c = create.getConnection(); Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
    } catch (SQLException e) {
      throw new StoreException("could not create the database " + url.describe() + ": " + e.getMessage(), e);
    }
  }

  private static HikariDataSource postgresPool(StoreUrl.Postgres url) {
    HikariConfig hikari = new HikariConfig();
    hikari.setPoolName("sluice-store");
    hikari.setJdbcUrl(url.jdbcUrl());
    hikari.setUsername(url.user());
    if (url.password() != null) hikari.setPassword(url.password());
    if (url.schema() != null) hikari.addDataSourceProperty("currentSchema", url.schema());
    if (url.sslmode() != null) hikari.addDataSourceProperty("sslmode", url.sslmode());
    hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
    hikari.addDataSourceProperty("ApplicationName", "sluice");
    hikari.setMaximumPoolSize(8);
    hikari.setConnectionTimeout(10_000);
    return pool(hikari, url);
  }

  private static HikariDataSource pool(HikariConfig hikari, StoreUrl url) {
    try {
      return new HikariDataSource(hikari);
    } catch (RuntimeException e) {
      throw new StoreException("could not open the store " + url.describe() + ": " + rootMessage(e), e);
    }
  }

  private static void migrate(DataSource dataSource, Dialect dialect, String schema, StoreUrl url) {
    var flyway = Flyway.configure()
        .dataSource(dataSource)
        .locations(dialect.migrations())
        .failOnMissingLocations(true);
    if (schema != null) flyway.schemas(schema).defaultSchema(schema).createSchemas(true);
    try {
      flyway.load().migrate();
    } catch (FlywayException e) {
      throw new StoreException("could not bring the tables of " + url.describe() + " up to date: "
          + rootMessage(e), e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String message = String.valueOf(e.getMessage());
    return root == e || root.getMessage() == null || message.contains(root.getMessage())
        ? message : message + " (" + root.getMessage() + ")";
  }

  @Override
  public Tenants tenants() {
    return tenants;
  }

  @Override
  public ApiKeys keys() {
    return keys;
  }

  @Override
  public UsageLedger ledger() {
    return journal != null ? journal : ledger;
  }

  @Override
  public Budgets budgets() {
    return budgets;
  }

  @Override
  public RateLimits rateLimits() {
    return rateLimits;
  }

  @Override
  public Runs runs() {
    return runs;
  }

  @Override
  public String describe() {
    return description;
  }

  /**
   * What the ledger writer has done: records committed and transactions (their ratio is the mean
   * group-commit size), failures, refusals, and records waiting now.
   */
  public LedgerStats ledgerStats() {
    return ledger.stats();
  }

  DataSource dataSource() {
    return pool;
  }

  @Override
  public void close() {
    try {
      ledger.close();
      if (journal != null) journal.close();
    } finally {
      pool.close();
    }
  }
}
