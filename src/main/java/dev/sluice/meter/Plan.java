package dev.sluice.meter;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.Json;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How a tenant is charged for what it uses: the second amount of every request, beside its cost.
 * Margin per tenant is charge minus cost.
 *
 * <p>JSON form, as the admin API and the config take it:
 * <pre>
 * {"type": "pass_through"}                                  charge = cost
 * {"type": "markup", "percent": 20}                          charge = cost × 1.20
 * {"type": "rate_card", "rates": {"chat-small": {"input_per_mtok": 1, "cached_input_per_mtok": 0.1,
 *      "output_per_mtok": 2}}, "otherwise": {"type": "markup", "percent": 10}}
 *                                                            the tenant's own per-model prices, by the model
 *                                                            it asked for; other models by "otherwise"
 *                                                            (pass-through if absent)
 * {"type": "subscription", "monthly_fee_usd": 99, "included_usd": 50,
 *      "overage": {"type": "markup", "percent": 10}}       the first included_usd of cost each month is
 *                                                            covered by the fee; the rest by "overage"
 * </pre>
 */
public sealed interface Plan {

  Plan PASS_THROUGH = new PassThrough();

  /** The charge for a request of cost {@code cost}, without the month's included usage (see {@link Subscription}). */
  Money charge(Money cost, Optional<Usage> usage, String modelAsked);

  record PassThrough() implements Plan {
    @Override
    public Money charge(Money cost, Optional<Usage> usage, String modelAsked) {
      return cost;
    }
  }

  record Markup(BigDecimal percent) implements Plan {
    @Override
    public Money charge(Money cost, Optional<Usage> usage, String modelAsked) {
      return cost.times(BigDecimal.ONE.add(percent.movePointLeft(2)));
    }
  }

  record RateCard(Map<String, TokenPrice.Rates> rates, Plan otherwise) implements Plan {
    public RateCard {
      rates = Map.copyOf(rates);
    }

    @Override
    public Money charge(Money cost, Optional<Usage> usage, String modelAsked) {
      TokenPrice.Rates r = rates.get(modelAsked);
      if (r == null || usage.isEmpty()) return otherwise.charge(cost, usage, modelAsked);
      return CostCalculator.priced(usage.get(), TokenPrice.flat(r), false, Price.Source.MODEL).total();
    }
  }

  /**
   * A monthly fee that covers {@code included} of cost; beyond it, {@code overage} charges. The
   * per-request charge needs the month's cost so far: see {@link #chargeBeyond}.
   */
  record Subscription(Money monthlyFee, Money included, Plan overage) implements Plan {
    @Override
    public Money charge(Money cost, Optional<Usage> usage, String modelAsked) {
      return overage.charge(cost, usage, modelAsked);
    }

    /** The charge for a request when {@code monthCostBefore} of cost was used this month before it. */
    public Money chargeBeyond(Money monthCostBefore, Money cost, Optional<Usage> usage, String modelAsked) {
      Money left = Money.max(Money.ZERO, included.minus(monthCostBefore));
      if (cost.compareTo(left) <= 0) return Money.ZERO;
      Money beyond = cost.minus(left);
      return overage.charge(beyond, usage.filter(u -> left.isZero()), modelAsked);
    }
  }

  /** Reads a plan; throws {@link IllegalArgumentException} with a message for the person who wrote it. */
  static Plan parse(String json) {
    if (json == null || json.isBlank()) return PASS_THROUGH;
    JsonNode n;
    try {
      n = Json.MAPPER.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException("the plan is not valid JSON");
    }
    return parse(n, "plan");
  }

  private static Plan parse(JsonNode n, String where) {
    if (n == null || n.isNull()) return PASS_THROUGH;
    if (!n.isObject()) throw new IllegalArgumentException(where + " must be an object with a 'type'");
    String type = n.path("type").asText("");
    return switch (type) {
      case "pass_through" -> {
        known(n, where, "type");
        yield PASS_THROUGH;
      }
      case "markup" -> {
        known(n, where, "type", "percent");
        BigDecimal pct = decimal(n, "percent", where, true);
        yield new Markup(pct);
      }
      case "rate_card" -> {
        known(n, where, "type", "rates", "otherwise");
        JsonNode rates = n.get("rates");
        if (rates == null || !rates.isObject() || rates.isEmpty()) {
          throw new IllegalArgumentException(where + ".rates must map model names to prices");
        }
        Map<String, TokenPrice.Rates> out = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = rates.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          String w = where + ".rates." + e.getKey();
          known(e.getValue(), w, "input_per_mtok", "cached_input_per_mtok", "cache_write_per_mtok", "output_per_mtok");
          Money in = Money.ofUsd(decimal(e.getValue(), "input_per_mtok", w, true));
          Money out2 = Money.ofUsd(decimal(e.getValue(), "output_per_mtok", w, true));
          BigDecimal cached = decimal(e.getValue(), "cached_input_per_mtok", w, false);
          BigDecimal write = decimal(e.getValue(), "cache_write_per_mtok", w, false);
          out.put(e.getKey(), new TokenPrice.Rates(in, cached == null ? in : Money.ofUsd(cached),
              write == null ? in : Money.ofUsd(write), out2, out2));
        }
        yield new RateCard(out, parse(n.get("otherwise"), where + ".otherwise"));
      }
      case "subscription" -> {
        known(n, where, "type", "monthly_fee_usd", "included_usd", "overage");
        yield new Subscription(Money.ofUsd(decimal(n, "monthly_fee_usd", where, true)),
            Money.ofUsd(decimal(n, "included_usd", where, true)), parse(n.get("overage"), where + ".overage"));
      }
      default -> throw new IllegalArgumentException(where + ".type must be pass_through, markup, rate_card or subscription"
          + (type.isEmpty() ? "" : ", got '" + type + "'"));
    };
  }

  private static void known(JsonNode n, String where, String... fields) {
    if (!n.isObject()) throw new IllegalArgumentException(where + " must be an object");
    Set<String> allowed = new LinkedHashSet<>(java.util.List.of(fields));
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        throw new IllegalArgumentException("unknown field '" + where + "." + f + "' (known: " + String.join(", ", allowed) + ")");
      }
    }
  }

  private static BigDecimal decimal(JsonNode n, String field, String where, boolean required) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      if (required) throw new IllegalArgumentException(where + "." + field + " is required");
      return null;
    }
    if (!v.isNumber() || v.decimalValue().signum() < 0) {
      throw new IllegalArgumentException(where + "." + field + " must be a number, 0 or more");
    }
    return v.decimalValue().setScale(Math.max(0, v.decimalValue().scale()), RoundingMode.UNNECESSARY);
  }
}
