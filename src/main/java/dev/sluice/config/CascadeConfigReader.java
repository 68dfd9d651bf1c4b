package dev.sluice.config;

import dev.sluice.cascade.CascadeRouter;
import dev.sluice.config.GatewayConfig.CascadeConfig;
import dev.sluice.provider.local.MiniLm;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a model's {@code cascade:} mapping: {@code cheap} and {@code strong} (two other configured
 * models with deployments), then exactly one policy, {@code router} (a file written by
 * {@code sluice router train}, read here so a bad file fails the config, with an optional
 * {@code threshold}) or {@code confidence: {min_logprob: N}}.
 */
final class CascadeConfigReader {
  private CascadeConfigReader() {}

  /** Every declared model name, and whether it is a cascade itself (cascades do not nest). */
  static Map<String, Boolean> declared(List<YamlNode> models) {
    Map<String, Boolean> out = new HashMap<>();
    for (YamlNode m : models) m.string("name").ifPresent(n -> out.put(n, m.has("cascade")));
    return out;
  }

  static Optional<CascadeConfig> read(YamlNode n, Optional<String> model, Map<String, Boolean> declared) {
    Optional<String> cheap = n.requiredString("cheap").flatMap(v -> member(n, "cheap", v, model, declared));
    Optional<String> strong = n.requiredString("strong").flatMap(v -> member(n, "strong", v, model, declared));
    if (cheap.isPresent() && cheap.equals(strong)) {
      n.problemAt("strong", "'" + n.path() + ".strong' names the same model as 'cheap' ('" + cheap.get() + "')");
    }
    boolean hasRouter = n.has("router");
    boolean hasConfidence = n.has("confidence");
    if (hasRouter == hasConfidence) {
      n.problem("'" + n.path() + "' needs exactly one policy: 'router: FILE' (a file from sluice router train) or "
          + "'confidence: {min_logprob: N}'" + (hasRouter ? ", not both" : ""));
    }
    Optional<CascadeRouter> router = n.string("router").flatMap(file -> {
      try {
        CascadeRouter r = CascadeRouter.read(Path.of(file));
        if (!r.embeddingModel().equals(MiniLm.NAME) || r.dimensions() != MiniLm.DIMENSIONS) {
          throw new IllegalArgumentException(file + " scores " + r.embeddingModel() + " embeddings; Sluice embeds with "
              + MiniLm.NAME + " (train the router with sluice router train)");
        }
        return Optional.of(r);
      } catch (RuntimeException e) {
        n.problemAt("router", "'" + n.path() + ".router': " + e.getMessage());
        return Optional.empty();
      }
    });
    Optional<Double> threshold = Optional.empty();
    if (n.string("threshold").filter(v -> !v.trim().equals("default")).isPresent()) {
      threshold = n.decimal("threshold", -1e6, 1e6);
      if (!hasRouter) {
        n.problemAt("threshold", "'" + n.path() + ".threshold' applies to a router; the confidence policy's threshold "
            + "is its min_logprob");
      }
    }
    Optional<Double> minLogprob = n.mapping("confidence").flatMap(c -> {
      Optional<Double> v = c.decimal("min_logprob", -1e6, 0);
      if (v.isEmpty() && !c.has("min_logprob")) {
        c.problem("'" + c.path() + "' needs 'min_logprob' (a log-probability, at most 0, such as -0.5)");
      }
      c.finish();
      return v;
    });
    n.finish();
    if (cheap.isEmpty() || strong.isEmpty() || (router.isEmpty() && minLogprob.isEmpty())) return Optional.empty();
    return Optional.of(new CascadeConfig(cheap.get(), strong.get(), router, threshold, minLogprob));
  }

  private static Optional<String> member(YamlNode n, String key, String value, Optional<String> model,
      Map<String, Boolean> declared) {
    String where = "'" + n.path() + "." + key + "'";
    if (model.isPresent() && model.get().equals(value)) {
      n.problemAt(key, where + " names the cascade itself");
    } else if (!declared.containsKey(value)) {
      n.problemAt(key, where + " is '" + value + "', which is not a declared model (declared: "
          + String.join(", ", declared.keySet().stream().sorted().toList()) + ")");
    } else if (declared.get(value)) {
      n.problemAt(key, where + " is '" + value + "', which is a cascade itself; cascades do not nest");
    } else if (value.endsWith("*")) {
      n.problemAt(key, where + " is the pattern '" + value + "'; it must name one model");
    } else {
      return Optional.of(value);
    }
    return Optional.empty();
  }
}
