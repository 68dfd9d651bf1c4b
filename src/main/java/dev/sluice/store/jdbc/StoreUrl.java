package dev.sluice.store.jdbc;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Where the store lives, parsed from the {@code store:} setting.
 *
 * <ul>
 *   <li>{@code sqlite:PATH}: an SQLite file, relative to the working directory unless absolute;
 *       missing parent folders are created. {@code ?sync=full} makes every commit wait for the
 *       disk (power-loss durability); the default, {@code sync=normal}, survives a crash of the
 *       process but may lose the last commits on a power cut.
 *   <li>{@code postgresql://HOST[:PORT]/DATABASE?user=U&password=P&schema=S&sslmode=M} (also
 *       {@code postgres://}, and {@code USER:PASSWORD@} before the host); the port defaults to
 *       5432 and the schema to the user's default ({@code public}). Values are percent-decoded.
 * </ul>
 *
 * Anything else is refused with a {@link IllegalArgumentException} saying what is accepted.
 */
public sealed interface StoreUrl {

  /** The default store: an SQLite file under {@code data/}, relative to the working directory. */
  String DEFAULT = "sqlite:data/sluice.db";

  /** A short form for logs; never holds a password. */
  String describe();

  /** An SQLite file; {@code fullSync} selects {@code PRAGMA synchronous=FULL}. */
  record Sqlite(Path file, boolean fullSync) implements StoreUrl {
    @Override
    public String describe() {
      return "sqlite:" + file + (fullSync ? "?sync=full" : "");
    }
  }

  /** A PostgreSQL database; {@code password}, {@code schema} and {@code sslmode} may be null. */
  record Postgres(String host, int port, String database, String user, String password, String schema,
      String sslmode) implements StoreUrl {
    @Override
    public String describe() {
      StringBuilder s = new StringBuilder("postgresql://").append(hostForUrl()).append(':').append(port)
          .append('/').append(database).append("?user=").append(user);
      if (schema != null) s.append("&schema=").append(schema);
      return s.toString();
    }

    /** The JDBC URL, without credentials (they go in properties). */
    String jdbcUrl() {
      return "jdbc:postgresql://" + hostForUrl() + ":" + port + "/" + database;
    }

    private String hostForUrl() {
      return host.contains(":") ? "[" + host + "]" : host;
    }

    @Override
    public String toString() {
      return "Postgres[" + describe() + "]"; // never the password
    }
  }

  /** Parses a store URL; see the type's comment for the accepted forms. */
  static StoreUrl parse(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("store: no URL given; use sqlite:PATH (default " + DEFAULT
          + ") or postgresql://HOST:PORT/DATABASE?user=USER");
    }
    String u = url.strip();
    if (u.startsWith("sqlite:")) return parseSqlite(u);
    if (u.startsWith("postgresql://") || u.startsWith("postgres://")) return parsePostgres(u);
    throw new IllegalArgumentException("store: unsupported URL '" + redact(u)
        + "'; use sqlite:PATH (for example " + DEFAULT + ") or postgresql://HOST:PORT/DATABASE?user=USER");
  }

  private static Sqlite parseSqlite(String u) {
    String rest = u.substring("sqlite:".length());
    int q = rest.indexOf('?');
    String path = q < 0 ? rest : rest.substring(0, q);
    Map<String, String> params = query(q < 0 ? "" : rest.substring(q + 1), Set.of("sync"), u);
    if (path.isEmpty()) {
      throw new IllegalArgumentException("store: '" + u + "' names no file; use sqlite:PATH, for example " + DEFAULT);
    }
    if (path.startsWith("//")) {
      throw new IllegalArgumentException("store: '" + u + "': write sqlite:PATH (sqlite:data/sluice.db, or "
          + "sqlite:/var/lib/sluice/sluice.db for an absolute path), without '//'");
    }
    if (path.equals(":memory:") || path.startsWith("file:")) {
      throw new IllegalArgumentException("store: '" + u + "': Sluice needs an SQLite file path, for example "
          + DEFAULT);
    }
    String sync = params.getOrDefault("sync", "normal");
    boolean full = switch (sync) {
      case "normal" -> false;
      case "full" -> true;
      default -> throw new IllegalArgumentException("store: sync must be 'normal' (survives a crash of Sluice) "
          + "or 'full' (also survives a power cut, slower), got '" + sync + "'");
    };
    return new Sqlite(Path.of(path), full);
  }

  private static Postgres parsePostgres(String u) {
    URI uri;
    try {
      uri = new URI(u);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("store: '" + redact(u) + "' is not a valid URL: " + e.getReason());
    }
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("store: '" + redact(u)
          + "' names no host; use postgresql://HOST:PORT/DATABASE?user=USER");
    }
    if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
    int port = uri.getPort() < 0 ? 5432 : uri.getPort();
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String database = decode(path.startsWith("/") ? path.substring(1) : path);
    if (database.isEmpty() || database.contains("/")) {
      throw new IllegalArgumentException("store: '" + redact(u)
          + "' names no database; use postgresql://HOST:PORT/DATABASE?user=USER");
    }
    Map<String, String> params = query(uri.getRawQuery() == null ? "" : uri.getRawQuery(),
        Set.of("user", "password", "schema", "sslmode"), u);
    String user = params.get("user");
    String password = params.get("password");
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      String infoUser = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      if (user != null && !user.equals(infoUser)) {
        throw new IllegalArgumentException("store: '" + redact(u) + "' names two different users");
      }
      user = infoUser;
      if (colon >= 0) password = decode(userInfo.substring(colon + 1));
    }
    if (user == null || user.isEmpty()) {
      throw new IllegalArgumentException("store: '" + redact(u) + "' names no user; add ?user=USER");
    }
    String schema = params.get("schema");
    if (schema != null && !schema.matches("[A-Za-z_][A-Za-z0-9_]{0,62}")) {
      throw new IllegalArgumentException("store: schema must be a plain identifier (letters, digits, '_'), got '"
          + schema + "'");
    }
    return new Postgres(host, port, database, user, password, schema, params.get("sslmode"));
  }

  private static Map<String, String> query(String raw, Set<String> allowed, String url) {
    Map<String, String> params = new LinkedHashMap<>();
    if (raw.isEmpty()) return params;
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (!allowed.contains(name)) {
        throw new IllegalArgumentException("store: unknown parameter '" + name + "' in '" + redact(url)
            + "'; accepted: " + String.join(", ", allowed.stream().sorted().toList()));
      }
      if (params.put(name, value) != null) {
        throw new IllegalArgumentException("store: parameter '" + name + "' is given twice in '" + redact(url) + "'");
      }
    }
    return params;
  }

  private static String decode(String s) {
    // Percent-decoding only: a '+' is a plus sign in a URL's query, not a space.
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** The URL with any password replaced, for error messages. */
  private static String redact(String u) {
    return u.replaceAll("(?i)(password=)[^&]*", "$1***").replaceAll("(://[^/@:]*:)[^/@]*@", "$1***@");
  }
}
