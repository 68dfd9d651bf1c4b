package dev.sluice.store.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.postgresql.util.PSQLException;
import org.sqlite.SQLiteException;

/**
 * What differs between the databases once the tables exist. Everything else (the SQL of every
 * query, the ledger writer, the aggregates) is shared.
 *
 * <p>Times are kept to the microsecond: SQLite stores them as an INTEGER of microseconds since
 * the epoch, PostgreSQL as {@code timestamptz}. Both are truncated, never rounded, so a time reads
 * back the same from either database.
 */
sealed interface Dialect {

  /** The Flyway location of this database's migrations. */
  String migrations();

  /** The value to bind for a time column; null stays null. */
  Object time(Instant t);

  /** Reads a time column; null when the column is NULL. */
  Instant time(ResultSet rs, String column) throws SQLException;

  /** A SQL expression for {@code column}, a time column, as microseconds since the epoch (BIGINT). */
  String epochMicros(String column);

  /** Whether the failure is a unique or primary-key constraint refusing a second equal row. */
  boolean isUniqueViolation(SQLException e);

  /**
   * Whether the failure comes from the values of a row (a constraint, a value the database cannot
   * store) rather than from the database itself (unreachable, disk full, locked).
   */
  boolean isRowFault(SQLException e);

  /** A string as this database can store it in a text column; null stays null. */
  default String text(String s) {
    return s;
  }

  static long micros(Instant t) {
    long seconds = t.getEpochSecond();
    if (seconds > Long.MAX_VALUE / 1_000_000 - 1) return Long.MAX_VALUE;
    if (seconds < Long.MIN_VALUE / 1_000_000 + 1) return Long.MIN_VALUE;
    return seconds * 1_000_000 + t.getNano() / 1_000;
  }

  static Instant fromMicros(long micros) {
    return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
  }

  /** SQLite: times as INTEGER microseconds, errors by result code. */
  final class Sqlite implements Dialect {
    static final Sqlite INSTANCE = new Sqlite();

    private Sqlite() {}

    @Override
    public String migrations() {
      return "classpath:db/sqlite";
    }

    @Override
    public Object time(Instant t) {
      return t == null ? null : micros(t);
    }

    @Override
    public Instant time(ResultSet rs, String column) throws SQLException {
      long micros = rs.getLong(column);
      return rs.wasNull() ? null : fromMicros(micros);
    }

    @Override
    public String epochMicros(String column) {
      return column;
    }

    @Override
    public boolean isUniqueViolation(SQLException e) {
      return e instanceof SQLiteException s && switch (s.getResultCode()) {
        case SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY -> true;
        default -> false;
      };
    }

    @Override
    public boolean isRowFault(SQLException e) {
      if (!(e instanceof SQLiteException s)) return false;
      int primary = s.getResultCode().code & 0xff;
      return primary == 19 /* CONSTRAINT */ || primary == 20 /* MISMATCH */ || primary == 18 /* TOOBIG */
          || primary == 25 /* RANGE */;
    }
  }

  /** PostgreSQL: times as timestamptz, errors by SQLSTATE; text cannot hold NUL characters. */
  final class Postgres implements Dialect {
    static final Postgres INSTANCE = new Postgres();
    // timestamptz reaches from 4713 BC to 294276 AD; keep bound values well inside.
    private static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant MAX = Instant.parse("9999-12-31T23:59:59Z");

    private Postgres() {}

    @Override
    public String migrations() {
      return "classpath:db/postgresql";
    }

    @Override
    public Object time(Instant t) {
      if (t == null) return null;
      Instant clamped = t.isBefore(MIN) ? MIN : t.isAfter(MAX) ? MAX : t.truncatedTo(ChronoUnit.MICROS);
      return OffsetDateTime.ofInstant(clamped, ZoneOffset.UTC);
    }

    @Override
    public Instant time(ResultSet rs, String column) throws SQLException {
      OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
      return t == null ? null : t.toInstant();
    }

    @Override
    public String epochMicros(String column) {
      return "CAST(EXTRACT(EPOCH FROM " + column + ") * 1000000 AS BIGINT)";
    }

    @Override
    public boolean isUniqueViolation(SQLException e) {
      return "23505".equals(e.getSQLState());
    }

    @Override
    public boolean isRowFault(SQLException e) {
      String state = e.getSQLState();
      // 22: data exception (a value out of range, a NUL in text); 23: integrity constraint violation
      return e instanceof PSQLException && state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    @Override
    public String text(String s) {
      return s == null || s.indexOf('\0') < 0 ? s : s.replace('\0', '\uFFFD');
    }
  }
}
