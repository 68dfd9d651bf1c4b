package dev.sluice.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.error.GatewayError;
import dev.sluice.error.GatewayException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A strict reader of an admin request's JSON body: each read names a known field, {@link #finish()}
 * refuses any other, and every mistake is a 400 naming the field.
 */
final class JsonFields {
  private final ObjectNode body;
  private final Set<String> known = new LinkedHashSet<>();

  JsonFields(ObjectNode body) {
    this.body = body;
  }

  /** Refuses, before anything else is read, a body with a field not in {@code fields} (a typo is then named as such). */
  JsonFields only(String... fields) {
    known.addAll(List.of(fields));
    finish();
    return this;
  }

  String requiredString(String field) {
    String v = string(field);
    if (v == null || v.isBlank()) throw invalid("Missing required field '" + field + "'.", field);
    return v;
  }

  String string(String field) {
    known.add(field);
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) return null;
    if (!n.isTextual()) throw invalid("Field '" + field + "' must be a string.", field);
    return n.asText();
  }

  List<String> strings(String field) {
    known.add(field);
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) return List.of();
    if (!n.isArray()) throw invalid("Field '" + field + "' must be an array of strings.", field);
    List<String> out = new ArrayList<>();
    for (JsonNode item : n) {
      if (!item.isTextual()) throw invalid("Field '" + field + "' must be an array of strings.", field);
      out.add(item.asText());
    }
    return out;
  }

  List<Double> fractions(String field, List<Double> fallback) {
    known.add(field);
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) return fallback;
    if (!n.isArray()) throw invalid("Field '" + field + "' must be an array of numbers such as [0.5, 0.8, 1.0].", field);
    List<Double> out = new ArrayList<>();
    for (JsonNode item : n) {
      if (!item.isNumber() || item.asDouble() <= 0 || item.asDouble() > 10) {
        throw invalid("Field '" + field + "' must hold fractions of the amount above 0, such as 0.5 or 1.0.", field);
      }
      out.add(item.asDouble());
    }
    out.sort(Double::compare);
    return out;
  }

  /** A non-negative amount in US dollars, exact. */
  BigDecimal usd(String field, boolean required) {
    known.add(field);
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) {
      if (required) throw invalid("Missing required field '" + field + "'.", field);
      return null;
    }
    if (!n.isNumber()) throw invalid("Field '" + field + "' must be a number of US dollars.", field);
    BigDecimal v = n.decimalValue();
    if (v.signum() < 0) throw invalid("Field '" + field + "' must not be negative.", field);
    return v;
  }

  long wholeNumber(String field, long fallback) {
    known.add(field);
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) return fallback;
    if (!n.canConvertToLong() || !n.isIntegralNumber() || n.asLong() < 0) {
      throw invalid("Field '" + field + "' must be a whole number, 0 or more.", field);
    }
    return n.asLong();
  }

  /** An RFC 3339 time, or {@code null}. */
  Instant instant(String field) {
    String v = string(field);
    if (v == null) return null;
    try {
      return OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException e) {
      throw invalid("Field '" + field + "' must be an RFC 3339 time such as 2026-12-31T23:59:59Z.", field);
    }
  }

  JsonNode object(String field) {
    known.add(field);
    JsonNode n = body.get(field);
    if (n == null || n.isNull()) return null;
    if (!n.isObject()) throw invalid("Field '" + field + "' must be an object.", field);
    return n;
  }

  void finish() {
    for (var it = body.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!known.contains(f)) {
        throw invalid("Unknown field '" + f + "'. Known fields: " + String.join(", ", known) + ".", f);
      }
    }
  }

  /**
   * A query-string time: RFC 3339, or a date, which starts at midnight in {@code zone} (the
   * gateway's {@code time_zone}, which also cuts day buckets, budget periods and invoice months).
   */
  static Instant queryTime(String name, String value, ZoneId zone) {
    if (value == null) return null;
    try {
      if (value.length() == 10) return LocalDate.parse(value).atStartOfDay(zone).toInstant();
      return OffsetDateTime.parse(value).toInstant();
    } catch (DateTimeParseException e) {
      throw invalid("Parameter '" + name + "' must be RFC 3339 (2026-11-01T00:00:00Z) or a date (2026-11-01).", name);
    }
  }

  static GatewayException invalid(String message, String param) {
    return new GatewayException(new GatewayError.InvalidRequest(message, param));
  }
}
