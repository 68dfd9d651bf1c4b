package dev.sluice.server;

import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The dashboard's files, served from the jar under {@code /ui/}: the pages and scripts of
 * {@code ui/} on the classpath, and uPlot from its WebJar under {@code /ui/vendor/}. Nothing is
 * fetched from elsewhere. Every file is read once, when Sluice starts; only the names listed here
 * are served, so no request path ever reaches the classpath.
 *
 * <p>The files hold no secret: the admin key stays in the browser and goes with each admin API
 * call. The pages allow scripts, styles and connections to this origin only.
 */
final class StaticFiles {
  /** The dashboard's own files, under {@code ui/} on the classpath. */
  static final List<String> FILES = List.of("index.html", "style.css", "app.js", "api.js", "charts.js", "dom.js",
      "format.js", "views.js", "favicon.svg");

  private static final String UPLOT = "META-INF/resources/webjars/uplot/";
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "svg", "image/svg+xml");
  private static final String POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

  private record Asset(Buffer body, String type, String etag) {}

  private final Map<String, Asset> assets = new HashMap<>();

  StaticFiles() {
    ClassLoader loader = StaticFiles.class.getClassLoader();
    for (String name : FILES) assets.put(name, asset(name, read(loader, "ui/" + name)));
    String uplot = UPLOT + uplotVersion(loader) + "/dist/";
    assets.put("vendor/uPlot.iife.min.js", asset("uPlot.iife.min.js", read(loader, uplot + "uPlot.iife.min.js")));
    assets.put("vendor/uPlot.min.css", asset("uPlot.min.css", read(loader, uplot + "uPlot.min.css")));
  }

  /**
   * Answers {@code GET /ui/<name>}; {@code /ui} itself is the index page, reached through
   * {@code /ui/} so that the page's relative links resolve.
   */
  void serve(HttpServerRequest request, String name) {
    HttpServerResponse r = request.response();
    if (name == null || name.isEmpty()) {
      if (!request.path().endsWith("/")) {
        r.setStatusCode(308).putHeader("location", "/ui/").end();
        return;
      }
      name = "index.html";
    }
    Asset a = assets.get(name);
    if (a == null) {
      throw new GatewayException(new GatewayError.NotFound("The dashboard has no file '" + name + "'.", "not_found"));
    }
    r.putHeader("cache-control", "no-cache");
    r.putHeader("etag", a.etag());
    r.putHeader("x-content-type-options", "nosniff");
    r.putHeader("referrer-policy", "no-referrer");
    if (a.type().startsWith("text/html")) {
      r.putHeader("content-security-policy", POLICY);
      r.putHeader("x-frame-options", "DENY");
    }
    if (a.etag().equals(request.getHeader("if-none-match"))) {
      r.setStatusCode(304).end();
      return;
    }
    r.putHeader("content-type", a.type());
    r.end(a.body());
  }

  private static Asset asset(String name, byte[] bytes) {
    String ext = name.substring(name.lastIndexOf('.') + 1);
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return new Asset(Buffer.buffer(bytes), TYPES.get(ext), "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] read(ClassLoader loader, String resource) {
    try (InputStream in = loader.getResourceAsStream(resource)) {
      if (in == null) throw new IllegalStateException("the dashboard file " + resource + " is missing from the jar");
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The version of the uPlot WebJar on the classpath, from its Maven metadata. */
  private static String uplotVersion(ClassLoader loader) {
    Properties p = new Properties();
    try (InputStream in = loader.getResourceAsStream("META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
      if (in == null) throw new IllegalStateException("uPlot (org.webjars.npm:uplot) is missing from the jar");
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("version");
  }
}
