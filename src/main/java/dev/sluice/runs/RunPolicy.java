package dev.sluice.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.api.Json;
import dev.sluice.config.Durations;
import dev.sluice.meter.Money;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The limits of every agent run of a tenant, and what a loop leads to. The config's {@code runs:}
 * gives the defaults; a tenant's policy ({@code PUT /admin/tenants/{name}/run-policy}) replaces the
 * keys it sets; an API key's policy ({@code PUT /admin/keys/{id}/run-policy}) may only tighten its
 * tenant's, for the calls made with that key; a request's {@code X-Sluice-Run-Max-*} headers may
 * only tighten the result.
 *
 * @param maxCostNanos the most a run may cost upstream, in nano-dollars
 * @param maxDepth how deep sub-runs may nest: 0 is a root run, its sub-runs are at depth 1
 * @param repeatThreshold K: how many times the same request may be seen before it is a loop
 */
public record RunPolicy(long maxCalls, long maxTokens, long maxCostNanos, Duration maxWallTime, int maxDepth,
    LoopVerdict loopVerdict, int repeatThreshold) {

  /** What the guard does with a call that continues a loop, from the mildest to the strictest. */
  public enum LoopVerdict {
    /** Serve it with an {@code X-Sluice-Run-Warning} header naming the pattern. */
    WARN,
    /** Serve it after a delay that doubles with each further call of the loop. */
    SLOW,
    /** Refuse it: 429 {@code run_loop_detected}. */
    STOP;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The keys of a policy, as written in the config and in the admin API. */
  public static final List<String> KEYS =
      List.of("max_calls", "max_tokens", "max_cost_usd", "max_wall_time", "max_depth", "loops");

  public static final RunPolicy DEFAULT = new RunPolicy(200, 2_000_000, 10 * Money.NANOS_PER_USD, Duration.ofHours(1),
      4, LoopVerdict.STOP, 3);

  /**
   * This policy with the keys {@code json} sets replaced ({@code loops} with its own keys
   * {@code verdict} and {@code repeat_threshold}).
   *
   * @throws IllegalArgumentException naming the key, when one is unknown or its value is invalid
   */
  public RunPolicy over(ObjectNode json) {
    long calls = maxCalls;
    long tokens = maxTokens;
    long cost = maxCostNanos;
    Duration wall = maxWallTime;
    int depth = maxDepth;
    LoopVerdict verdict = loopVerdict;
    int threshold = repeatThreshold;
    for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      switch (e.getKey()) {
        case "max_calls" -> calls = whole("max_calls", v, 1, Long.MAX_VALUE);
        case "max_tokens" -> tokens = whole("max_tokens", v, 1, Long.MAX_VALUE);
        case "max_cost_usd" -> cost = usd("max_cost_usd", v);
        case "max_wall_time" -> wall = duration("max_wall_time", v);
        case "max_depth" -> depth = (int) whole("max_depth", v, 0, 100);
        case "loops" -> {
          if (!(v instanceof ObjectNode loops)) throw new IllegalArgumentException("'loops' must be an object");
          for (Iterator<Map.Entry<String, JsonNode>> l = loops.fields(); l.hasNext(); ) {
            Map.Entry<String, JsonNode> le = l.next();
            switch (le.getKey()) {
              case "verdict" -> verdict = verdict(le.getValue().asText(""));
              case "repeat_threshold" -> threshold = (int) whole("loops.repeat_threshold", le.getValue(), 2, 1000);
              default -> throw new IllegalArgumentException("unknown key 'loops." + le.getKey()
                  + "' (known: verdict, repeat_threshold)");
            }
          }
        }
        default -> throw new IllegalArgumentException("unknown key '" + e.getKey() + "' (known: "
            + String.join(", ", KEYS) + ")");
      }
    }
    return new RunPolicy(calls, tokens, cost, wall, depth, verdict, threshold);
  }

  /**
   * This policy with the keys {@code json} sets, where each may only tighten it: a lower limit, a
   * lower repeat threshold, a stricter loop verdict ({@code warn} < {@code slow} < {@code stop}).
   * A key's policy applies this way over its tenant's; a looser value is kept but has no effect.
   *
   * @throws IllegalArgumentException as {@link #over} does
   */
  public RunPolicy tightenedBy(ObjectNode json) {
    return stricter(over(json));
  }

  /** Each limit the lower of the two, the stricter verdict, the lower repeat threshold. */
  public RunPolicy stricter(RunPolicy o) {
    return new RunPolicy(Math.min(maxCalls, o.maxCalls), Math.min(maxTokens, o.maxTokens),
        Math.min(maxCostNanos, o.maxCostNanos), maxWallTime.compareTo(o.maxWallTime) <= 0 ? maxWallTime : o.maxWallTime,
        Math.min(maxDepth, o.maxDepth), loopVerdict.compareTo(o.loopVerdict) >= 0 ? loopVerdict : o.loopVerdict,
        Math.min(repeatThreshold, o.repeatThreshold));
  }

  /** This policy as JSON, with every key. */
  public ObjectNode toJson() {
    ObjectNode o = Json.MAPPER.createObjectNode();
    o.put("max_calls", maxCalls);
    o.put("max_tokens", maxTokens);
    o.put("max_cost_usd", Money.ofNanos(maxCostNanos).toUsd());
    o.put("max_wall_time", Durations.format(maxWallTime));
    o.put("max_depth", maxDepth);
    ObjectNode loops = o.putObject("loops");
    loops.put("verdict", loopVerdict.wireName());
    loops.put("repeat_threshold", repeatThreshold);
    return o;
  }

  /** {@code warn}, {@code slow} or {@code stop}. */
  public static LoopVerdict verdict(String text) {
    return switch (text) {
      case "warn" -> LoopVerdict.WARN;
      case "slow" -> LoopVerdict.SLOW;
      case "stop" -> LoopVerdict.STOP;
      default -> throw new IllegalArgumentException("'loops.verdict' must be warn, slow or stop, got '" + text + "'");
    };
  }

  private static long whole(String key, JsonNode v, long min, long max) {
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
      throw new IllegalArgumentException("'" + key + "' must be a whole number from " + min
          + (max == Long.MAX_VALUE ? " up" : " to " + max) + ", got " + v);
    }
    return v.asLong();
  }

  private static long usd(String key, JsonNode v) {
    BigDecimal amount = v.isNumber() ? v.decimalValue() : null;
    if (amount == null || amount.signum() <= 0 || amount.compareTo(BigDecimal.valueOf(1_000_000_000)) > 0) {
      throw new IllegalArgumentException("'" + key + "' must be a positive amount of US dollars, got " + v);
    }
    return Money.ofUsd(amount).nanos();
  }

  private static Duration duration(String key, JsonNode v) {
    Duration d = v.isTextual() ? Durations.parse(v.asText()).orElse(null) : null;
    if (d == null || d.isZero()) {
      throw new IllegalArgumentException("'" + key + "' must be a duration such as 30s, 10m or 1h, got " + v);
    }
    return d;
  }
}
