package dev.sluice.meter;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sluice.meter.TokenPrice.Batch;
import dev.sluice.meter.TokenPrice.Rates;
import dev.sluice.meter.TokenPrice.Tier;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.net.URI;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Model prices in LiteLLM's format, by model name. {@link #shipped()} is the table inside Sluice
 * (the resource {@code prices/model_prices.json}: a selection of LiteLLM's cost map as copied by
 * tokencost on 2025-09-01, MIT-licensed, see {@code prices/LICENSE-SOURCE}); {@link #parse} reads a
 * table in the same format, or a whole LiteLLM {@code model_prices_and_context_window.json}.
 *
 * <p>Numbers are read from the JSON text as {@link BigDecimal}, never through a {@code double}.
 * Only entries that can price a chat, completion or embedding call are kept: mode {@code chat},
 * {@code completion} or {@code embedding}, with an input price, and an output price unless the
 * entry is an embedding model (whose output is free).
 *
 * <h2>Lookup</h2>
 *
 * {@link #find(String, Optional)} takes the model name sent upstream and, when the deployment's
 * host is a provider's own API, that provider's namespace (LiteLLM's {@code litellm_provider}, such
 * as {@code deepseek} for {@code api.deepseek.com}, see {@link #namespaceOf(URI)}). The rule is
 * deliberately conservative: it never prices a model with another model's price, and a dated
 * snapshot is priced only when the table lists that very snapshot ({@code gpt-4o-2024-05-13} is
 * $5 per million input tokens and {@code gpt-4o} $2.50, so stripping dates would be wrong).
 *
 * <ul>
 *   <li>With a namespace {@code ns}: the key {@code ns/<name>}, then the key {@code <name>}, each
 *       only if the entry belongs to {@code ns} (so DeepSeek's host gets DeepSeek's price, and a
 *       name that another provider also lists is not priced with that provider's price).
 *   <li>Without one (a proxy, a test fake, a self-hosted server): the key {@code <name>}; then, for
 *       a name of the form {@code <provider>/<rest>}, the key {@code <rest>} if that entry belongs
 *       to {@code <provider>} ({@code anthropic/claude-sonnet-4-20250514}). A self-hosted model is
 *       rarely in the table; price it with {@code cost_per_hour} or {@code price} in the config.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class PriceTable {
  /** The API hosts of providers whose prices the table holds, and the namespace of each. */
  static final Map<String, String> PROVIDER_HOSTS = Map.ofEntries(
      Map.entry("api.openai.com", "openai"),
      Map.entry("api.anthropic.com", "anthropic"),
      Map.entry("api.deepseek.com", "deepseek"),
      Map.entry("api.mistral.ai", "mistral"),
      Map.entry("api.groq.com", "groq"),
      Map.entry("api.together.xyz", "together_ai"),
      Map.entry("api.fireworks.ai", "fireworks_ai"),
      Map.entry("openrouter.ai", "openrouter"),
      Map.entry("api.x.ai", "xai"),
      Map.entry("generativelanguage.googleapis.com", "gemini"),
      Map.entry("api.perplexity.ai", "perplexity"),
      Map.entry("api.cerebras.ai", "cerebras"),
      Map.entry("api.deepinfra.com", "deepinfra"),
      Map.entry("api.moonshot.ai", "moonshot"));

  /** Namespaces whose entries the shipped table keeps: the hosts above, plus OpenAI's legacy completions. */
  static final Set<String> SHIPPED_NAMESPACES = shippedNamespaces();

  static final Set<String> MODES = Set.of("chat", "completion", "embedding");

  private static final String RESOURCE = "/prices/model_prices.json";
  private static final Pattern TIER_FIELD = Pattern.compile("^input_cost_per_token_above_(\\d+)k_tokens$");
  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
  private static final ObjectMapper EXACT = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .build();

  private final Map<String, Entry> entries;
  private final Optional<LocalDate> snapshot;
  private final String source;

  private PriceTable(Map<String, Entry> entries, Optional<LocalDate> snapshot, String source) {
    this.entries = Map.copyOf(entries);
    this.snapshot = snapshot;
    this.source = source;
  }

  /**
   * One model's entry.
   *
   * @param key the table key, as LiteLLM routes the model
   * @param provider LiteLLM's {@code litellm_provider}
   * @param mode {@code chat}, {@code completion} or {@code embedding}
   */
  public record Entry(String key, String provider, String mode, TokenPrice price,
      OptionalLong maxInputTokens, OptionalLong maxOutputTokens) {}

  /** The table shipped inside Sluice, loaded on first use. */
  public static PriceTable shipped() {
    return Shipped.TABLE;
  }

  private static final class Shipped {
    static final PriceTable TABLE = load();

    private static PriceTable load() {
      try (InputStream in = PriceTable.class.getResourceAsStream(RESOURCE)) {
        if (in == null) throw new IllegalStateException("the price table " + RESOURCE + " is missing from the classpath");
        return parse(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /**
   * Reads a table: Sluice's format ({@code {"snapshot": ..., "source": ..., "models": {...}}}) or a
   * bare LiteLLM cost map. Entries that cannot price a call are left out, not reported.
   *
   * @throws UncheckedIOException when the input is not a JSON object
   */
  public static PriceTable parse(InputStream json) {
    JsonNode root;
    try {
      root = EXACT.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (root == null || !root.isObject()) throw new UncheckedIOException(new IOException("a price table must be a JSON object"));
    JsonNode models = root.path("models").isObject() ? root.get("models") : root;
    Optional<LocalDate> snapshot = root.path("snapshot").isTextual()
        ? Optional.of(LocalDate.parse(root.get("snapshot").asText()))
        : Optional.empty();
    String source = root.path("source").asText("");
    Map<String, Entry> entries = new HashMap<>();
    for (Map.Entry<String, JsonNode> e : models.properties()) {
      entry(e.getKey(), e.getValue()).ifPresent(entry -> entries.put(entry.key(), entry));
    }
    return new PriceTable(entries, snapshot, source);
  }

  /** The date the prices were taken, when the table states it. */
  public Optional<LocalDate> snapshot() {
    return snapshot;
  }

  /** Where the prices come from, as the table states it; empty when it does not. */
  public String source() {
    return source;
  }

  public int size() {
    return entries.size();
  }

  /** Every key in the table. */
  Set<String> keys() {
    return entries.keySet();
  }

  /** The entry under exactly this key. */
  public Optional<Entry> get(String key) {
    return Optional.ofNullable(entries.get(key));
  }

  /**
   * The entry for a model name sent upstream, by the conservative rule in the class comment.
   *
   * @param namespace the provider namespace of the deployment's host, when it is a known API host
   */
  public Optional<Entry> find(String upstreamModel, Optional<String> namespace) {
    if (namespace.isPresent()) {
      String ns = namespace.get();
      Entry e = entries.get(ns + "/" + upstreamModel);
      if (e != null && belongs(e, ns)) return Optional.of(e);
      e = entries.get(upstreamModel);
      return e != null && belongs(e, ns) ? Optional.of(e) : Optional.empty();
    }
    Entry e = entries.get(upstreamModel);
    if (e != null) return Optional.of(e);
    int slash = upstreamModel.indexOf('/');
    if (slash > 0) {
      e = entries.get(upstreamModel.substring(slash + 1));
      if (e != null && belongs(e, upstreamModel.substring(0, slash))) return Optional.of(e);
    }
    return Optional.empty();
  }

  /** The provider namespace of a known API host, such as {@code deepseek} for {@code https://api.deepseek.com}. */
  public static Optional<String> namespaceOf(URI baseUrl) {
    String host = baseUrl.getHost();
    return host == null ? Optional.empty() : Optional.ofNullable(PROVIDER_HOSTS.get(host.toLowerCase(Locale.ROOT)));
  }

  private static boolean belongs(Entry e, String namespace) {
    return e.provider().equals(namespace)
        || (namespace.equals("openai") && e.provider().equals("text-completion-openai"));
  }

  private static Set<String> shippedNamespaces() {
    Set<String> s = new HashSet<>(PROVIDER_HOSTS.values());
    s.add("text-completion-openai");
    return Set.copyOf(s);
  }

  // ------------------------------------------------------------------ reading one entry

  private static Optional<Entry> entry(String key, JsonNode v) {
    if (!v.isObject()) return Optional.empty();
    String mode = v.path("mode").asText("");
    if (!MODES.contains(mode)) return Optional.empty();
    Optional<BigDecimal> input = perToken(v, "input_cost_per_token");
    Optional<BigDecimal> output = perToken(v, "output_cost_per_token");
    if (input.isEmpty()) return Optional.empty();
    if (output.isEmpty()) {
      if (!mode.equals("embedding")) return Optional.empty();
      output = Optional.of(BigDecimal.ZERO);
    }
    BigDecimal in = input.get();
    BigDecimal out = output.get();
    BigDecimal cacheRead = perToken(v, "cache_read_input_token_cost")
        .or(() -> perToken(v, "input_cost_per_token_cache_hit"))
        .orElse(in);
    BigDecimal cacheWrite = perToken(v, "cache_creation_input_token_cost").orElse(in);
    BigDecimal reasoning = perToken(v, "output_cost_per_reasoning_token").orElse(out);
    Rates base = rates(in, cacheRead, cacheWrite, out, reasoning);

    List<Tier> tiers = new ArrayList<>();
    for (Map.Entry<String, JsonNode> property : v.properties()) {
      String field = property.getKey();
      Matcher m = TIER_FIELD.matcher(field);
      if (!m.matches()) continue;
      String above = "_above_" + m.group(1) + "k_tokens";
      BigDecimal tierIn = perToken(v, field).orElse(in);
      BigDecimal tierOut = perToken(v, "output_cost_per_token" + above).orElse(out);
      // A tier without its own cache prices scales them with its input price, as Google and
      // Anthropic do; a distinct reasoning price scales with the output price.
      BigDecimal inRatio = ratio(tierIn, in);
      BigDecimal outRatio = ratio(tierOut, out);
      BigDecimal tierRead = perToken(v, "cache_read_input_token_cost" + above).orElse(cacheRead.multiply(inRatio));
      BigDecimal tierWrite = perToken(v, "cache_creation_input_token_cost" + above).orElse(cacheWrite.multiply(inRatio));
      BigDecimal tierReasoning = reasoning.multiply(outRatio);
      tiers.add(new Tier(Long.parseLong(m.group(1)) * 1000, rates(tierIn, tierRead, tierWrite, tierOut, tierReasoning)));
    }

    Optional<BigDecimal> batchIn = perToken(v, "input_cost_per_token_batches");
    Optional<BigDecimal> batchOut = perToken(v, "output_cost_per_token_batches");
    Optional<Batch> batch = batchIn.isEmpty() && batchOut.isEmpty()
        ? Optional.empty()
        : Optional.of(new Batch(batchIn.map(b -> ratio(b, in)).orElse(BigDecimal.ONE),
            batchOut.map(b -> ratio(b, out)).orElse(BigDecimal.ONE)));

    return Optional.of(new Entry(key, v.path("litellm_provider").asText(""), mode, new TokenPrice(base, tiers, batch),
        count(v, "max_input_tokens"), count(v, "max_output_tokens")));
  }

  private static Rates rates(BigDecimal in, BigDecimal read, BigDecimal write, BigDecimal out, BigDecimal reasoning) {
    return new Rates(perMtok(in), perMtok(read), perMtok(write), perMtok(out), perMtok(reasoning));
  }

  /** A price per token as a price per million tokens (exact for up to 15 decimal places per token). */
  private static Money perMtok(BigDecimal perToken) {
    return Money.ofUsd(perToken.multiply(MILLION));
  }

  private static BigDecimal ratio(BigDecimal part, BigDecimal whole) {
    return whole.signum() == 0 ? BigDecimal.ONE : part.divide(whole, MathContext.DECIMAL64);
  }

  private static Optional<BigDecimal> perToken(JsonNode v, String field) {
    JsonNode n = v.get(field);
    if (n == null || !n.isNumber()) return Optional.empty();
    BigDecimal d = n.decimalValue();
    return d.signum() < 0 ? Optional.empty() : Optional.of(d);
  }

  private static OptionalLong count(JsonNode v, String field) {
    JsonNode n = v.get(field);
    return n != null && n.canConvertToLong() && n.asLong() > 0 ? OptionalLong.of(n.asLong()) : OptionalLong.empty();
  }
}
