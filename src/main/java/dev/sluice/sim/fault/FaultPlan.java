package dev.sluice.sim.fault;

import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Chooses the fault, if any, for each request: the one the request's {@value #HEADER} header asks
 * for, else an outage window the emulated time falls in, else one drawn at the {@link FaultSpec}'s
 * rates. Deterministic: draws come from one stream seeded at construction, one draw per request in
 * arrival order, so a fixed seed and a fixed order of requests give the same faults. Not
 * thread-safe: use it on the server's event loop.
 */
public final class FaultPlan {
  /** The request header that picks a fault for one request. */
  public static final String HEADER = "X-Sluice-Sim-Fault";

  private static final Pattern SPEC = Pattern.compile("(none|hang|malformed|outage|reset|slow|\\d{3})(?::([0-9.]+)(ms|s)?)?");

  private final FaultSpec spec;
  private final SplittableRandom random;

  public FaultPlan(FaultSpec spec, long seed) {
    this.spec = spec;
    this.random = new SplittableRandom(seed);
  }

  public FaultSpec spec() {
    return spec;
  }

  /**
   * The fault for the next request.
   *
   * @param secondsSinceStart emulated seconds since the server started (for outage windows)
   * @param header the request's {@value #HEADER} value, or {@code null}
   * @throws IllegalArgumentException when the header is not one of the documented forms
   */
  public Fault next(double secondsSinceStart, String header) {
    double u = random.nextDouble();
    if (header != null && !header.isBlank()) return parse(header.strip());
    for (FaultSpec.Outage o : spec.outages()) {
      if (o.covers(secondsSinceStart)) {
        double into = secondsSinceStart - o.startSeconds();
        if (o.everySeconds() > 0) into %= o.everySeconds();
        return new Fault.Outage(o.durationSeconds() - into);
      }
    }
    if ((u -= spec.serverErrorRate()) < 0) return new Fault.ServerError(500);
    if ((u -= spec.rateLimitRate()) < 0) return new Fault.RateLimited(spec.retryAfterSeconds());
    if ((u -= spec.hangRate()) < 0) return new Fault.Hang();
    if ((u -= spec.resetRate()) < 0) return new Fault.Reset(spec.resetAfterTokens());
    if ((u -= spec.malformedRate()) < 0) return new Fault.Malformed();
    if ((u -= spec.slowRate()) < 0) return new Fault.Slow(spec.slowTokenDelayMs());
    return new Fault.None();
  }

  /**
   * Reads a {@value #HEADER} value: {@code none}, {@code 500} (any status from 400 to 599),
   * {@code 429} or {@code 429:5} (Retry-After seconds), {@code hang}, {@code reset} or
   * {@code reset:10} (after 10 tokens), {@code slow} or {@code slow:50ms}, {@code malformed},
   * {@code outage} or {@code outage:30} (seconds left).
   */
  public Fault parse(String value) {
    Matcher m = SPEC.matcher(value.toLowerCase(Locale.ROOT));
    if (!m.matches()) throw new IllegalArgumentException(usage(value));
    String kind = m.group(1);
    String arg = m.group(2);
    String unit = m.group(3);
    double n = arg == null ? -1 : Double.parseDouble(arg);
    return switch (kind) {
      case "none" -> new Fault.None();
      case "hang" -> new Fault.Hang();
      case "malformed" -> new Fault.Malformed();
      case "outage" -> new Fault.Outage(n < 0 ? 60 : seconds(n, unit));
      case "reset" -> new Fault.Reset(n < 0 ? spec.resetAfterTokens() : (int) n);
      case "slow" -> new Fault.Slow(n < 0 ? spec.slowTokenDelayMs() : seconds(n, unit == null ? "ms" : unit) * 1000);
      default -> {
        int status = Integer.parseInt(kind);
        if (status < 400 || status > 599) throw new IllegalArgumentException(usage(value));
        yield status == 429 ? new Fault.RateLimited(n < 0 ? spec.retryAfterSeconds() : seconds(n, unit)) : new Fault.ServerError(status);
      }
    };
  }

  private static double seconds(double n, String unit) {
    return "ms".equals(unit) ? n / 1000 : n;
  }

  private static String usage(String value) {
    return "Invalid " + HEADER + " header '" + value + "': expected none, an HTTP status from 400 to 599 (429:SECONDS sets "
        + "Retry-After), hang, reset[:TOKENS], slow[:MILLISECONDS ms], malformed or outage[:SECONDS].";
  }
}
