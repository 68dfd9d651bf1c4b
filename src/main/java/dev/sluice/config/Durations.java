package dev.sluice.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the human units used in the config file: durations ({@code 500ms}, {@code 2m}) and sizes ({@code 4MiB}). */
public final class Durations {
  private Durations() {}

  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)");
  private static final Pattern MICROS = Pattern.compile("(\\d+)\\s*(us|µs)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|kib|mb|mib|gb|gib)?");

  /** {@code 250ms}, {@code 5s}, {@code 1.5m}, {@code 2h}, {@code 1d}; empty when malformed. */
  public static Optional<Duration> parse(String text) {
    Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) return Optional.empty();
    double n = Double.parseDouble(m.group(1));
    double millis = switch (m.group(2)) {
      case "ms" -> n;
      case "s" -> n * 1_000;
      case "m" -> n * 60_000;
      case "h" -> n * 3_600_000;
      default -> n * 86_400_000;
    };
    return Optional.of(Duration.ofMillis(Math.round(millis)));
  }

  /**
   * As {@link #parse}, and whole microseconds too ({@code 50us} or {@code 50µs}): for the few keys
   * that mean spans shorter than a millisecond. Other keys refuse them, since their users (timers,
   * timeouts) count in milliseconds.
   */
  public static Optional<Duration> parseFine(String text) {
    Matcher m = MICROS.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) return parse(text);
    try {
      return Optional.of(Duration.ofNanos(Math.multiplyExact(Long.parseLong(m.group(1)), 1_000L)));
    } catch (ArithmeticException | NumberFormatException e) {
      return Optional.empty(); // too long to be meant
    }
  }

  /** {@code 4MiB}, {@code 512KiB}, {@code 1GiB}, {@code 1000} (bytes); KB/MB/GB are read as powers of 1024 too. */
  public static Optional<Long> parseBytes(String text) {
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) return Optional.empty();
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    long factor = switch (unit) {
      case "kb", "kib" -> 1L << 10;
      case "mb", "mib" -> 1L << 20;
      case "gb", "gib" -> 1L << 30;
      default -> 1;
    };
    return Optional.of(n * factor);
  }

  /** The shortest config-file spelling of a duration, for messages and docs. */
  public static String format(Duration d) {
    if (d.toNanos() % 1_000_000 != 0) return d.toNanos() / 1_000 + "us";
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms > 0) return ms / 3_600_000 + "h";
    if (ms % 60_000 == 0 && ms > 0) return ms / 60_000 + "m";
    if (ms % 1_000 == 0 && ms > 0) return ms / 1_000 + "s";
    return ms + "ms";
  }
}
