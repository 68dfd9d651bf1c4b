package dev.sluice.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a label's values bounded: the first {@code limit} distinct values are kept as they are,
 * later ones become {@code other}. Tenants, features and models come from clients; without a
 * bound, one client could create a million time series.
 */
final class BoundedLabels {
  static final String OTHER = "other";
  static final String NONE = "none";

  private final int limit;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  BoundedLabels(int limit) {
    this.limit = limit;
  }

  String of(String value) {
    if (value == null || value.isEmpty()) return NONE;
    if (seen.contains(value)) return value;
    if (seen.size() >= limit) return OTHER;
    seen.add(value);
    return value;
  }
}
