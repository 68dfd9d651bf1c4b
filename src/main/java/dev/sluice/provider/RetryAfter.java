package dev.sluice.provider;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Reads how long an upstream asks us to wait: {@code retry-after-ms}, then {@code Retry-After} (seconds or an HTTP date). */
public final class RetryAfter {
  private RetryAfter() {}

  /** The wait, or {@code null} when neither header is usable. */
  public static Duration parse(String retryAfterMs, String retryAfter, Instant now) {
    if (retryAfterMs != null) {
      try {
        double ms = Double.parseDouble(retryAfterMs.trim());
        if (ms >= 0) return Duration.ofMillis((long) Math.ceil(ms));
      } catch (NumberFormatException ignored) {
        // fall through to Retry-After
      }
    }
    if (retryAfter == null || retryAfter.isBlank()) return null;
    String v = retryAfter.trim();
    try {
      double seconds = Double.parseDouble(v);
      return seconds < 0 ? null : Duration.ofMillis((long) Math.ceil(seconds * 1000));
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration d = Duration.between(now, at);
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException notDate) {
        return null;
      }
    }
  }
}
