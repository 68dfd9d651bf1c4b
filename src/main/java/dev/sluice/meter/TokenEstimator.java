package dev.sluice.meter;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.sluice.config.GatewayConfig.DeploymentConfig;
import dev.sluice.config.GatewayConfig.ModelConfig;
import dev.sluice.config.GatewayConfig.ProviderKind;
import dev.sluice.meter.TokenPrice.Rates;
import dev.sluice.provider.anthropic.AnthropicCodec;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The worst-case tokens and cost of a chat request before it runs, for budget reservations: a
 * budget reserves this much, and settles with the real usage afterwards.
 *
 * <h2>Prompt tokens</h2>
 *
 * Counted with the model's tokenizer: {@code o200k_base} for gpt-4o, gpt-4.1, gpt-4.5, gpt-5,
 * gpt-oss and the o-series; {@code cl100k_base} for older OpenAI models (gpt-4, gpt-3.5, the
 * embedding models). Other models (Claude, Gemini, Llama, Mistral, DeepSeek...) are counted with
 * {@code cl100k_base} too, as no tokenizer of theirs ships with Sluice, and the count is raised by a
 * {@value #FOREIGN_MARGIN_PERCENT}% safety margin: Claude's tokenizer in particular yields more
 * tokens than {@code cl100k_base} for the same text, while the larger vocabularies of Gemini, Llama
 * and DeepSeek yield fewer. On top of the text, as OpenAI's cookbook counts chat formatting:
 * {@value #TOKENS_PER_MESSAGE} tokens per message, {@value #TOKENS_PER_NAME} per {@code name}, and
 * {@value #REPLY_PRIMING} to prime the reply. Tool definitions, {@code response_format} schemas and
 * tool calls are counted as their JSON text, which is longer than the form models see, so they are
 * overestimated. Each image counts {@value #TOKENS_PER_IMAGE} tokens (a high-detail image is at most
 * 1,445 on gpt-4o and about 1,600 on Claude; models that bill images at a multiple, such as
 * gpt-4o-mini, are underestimated); audio and file parts count one token per
 * {@value #CHARS_PER_TOKEN_UNTOKENIZED} characters of their JSON, untokenized (base64 is far more
 * characters than the tokens its content costs).
 *
 * <h2>Output tokens</h2>
 *
 * {@code n} times {@code max_completion_tokens}, else {@code max_tokens} (capped at the model's
 * {@code max_output_tokens} when the table knows it: more could not be produced); else, when the
 * client sets no limit, the model's {@code max_output_tokens} from the table, {@value
 * AnthropicCodec#DEFAULT_MAX_TOKENS} for an Anthropic deployment (the limit Sluice sends), or
 * {@value #DEFAULT_MAX_OUTPUT_TOKENS} for a model the table does not know.
 *
 * <h2>Cost</h2>
 *
 * The prompt at the input rate (at the cache-write rate instead, when the request marks anything
 * with {@code cache_control} and writes cost more), the output at the output rate (at the reasoning
 * rate when that is higher), with long-context tiers applied as {@link CostCalculator} does. No cache
 * discount is assumed. A deployment paid by the hour or an unpriced model has no cost estimate.
 *
 * <p>Thread-safe. The tokenizers load on first use (about a tenth of a second each).
 */
public final class TokenEstimator {
  /** Output tokens assumed for a model whose limit is unknown, when the client sets none. */
  public static final int DEFAULT_MAX_OUTPUT_TOKENS = 4096;

  static final int FOREIGN_MARGIN_PERCENT = 25;
  static final int TOKENS_PER_MESSAGE = 3;
  static final int TOKENS_PER_NAME = 1;
  static final int REPLY_PRIMING = 3;
  static final int TOKENS_PER_IMAGE = 1600;
  static final int CHARS_PER_TOKEN_UNTOKENIZED = 4;

  private static final List<String> O200K_FAMILIES =
      List.of("gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "gpt-oss", "o1", "o3", "o4", "codex-");
  private static final List<String> CL100K_FAMILIES =
      List.of("gpt-4", "gpt-3.5", "gpt-35", "text-embedding-", "davinci-002", "babbage-002");

  private final PriceResolver resolver;

  public TokenEstimator(PriceResolver resolver) {
    this.resolver = resolver;
  }

  /**
   * A worst-case estimate.
   *
   * @param promptTokens the prompt's tokens, margin included
   * @param outputTokens the most output tokens the request can produce (all choices)
   * @param worstCaseCost the cost if the request produced all of them; empty for a deployment paid by
   *     the hour or an unpriced model
   */
  public record Estimate(long promptTokens, long outputTokens, Optional<Money> worstCaseCost) {}

  /**
   * The worst case of a chat completions request sent to {@code deployment} of {@code model}.
   *
   * @param request the client's request body (OpenAI chat completions format)
   * @param upstreamModel the model name sent upstream
   */
  public Estimate estimate(JsonNode request, ModelConfig model, DeploymentConfig deployment, String upstreamModel) {
    return estimate(request, model, deployment, upstreamModel, true);
  }

  /**
   * An upper bound of {@link #estimate} that runs no tokenizer and reads no text: a text counts
   * three tokens per character (a token of a byte-level BPE covers at least one UTF-8 byte, and a
   * character takes at most three), a JSON value (tool calls, tool definitions) the most bytes its
   * compact form could take; the cost is the dearest price level the bounded prompt could fall in.
   * Its time grows with the number of messages and JSON nodes, not with their length: for callers
   * that need the exact figure only when the bound comes near a limit.
   */
  public Estimate bound(JsonNode request, ModelConfig model, DeploymentConfig deployment, String upstreamModel) {
    return estimate(request, model, deployment, upstreamModel, false);
  }

  private Estimate estimate(JsonNode request, ModelConfig model, DeploymentConfig deployment, String upstreamModel,
      boolean exact) {
    long prompt = exact ? promptTokens(request, upstreamModel) : promptTokensBound(request, upstreamModel);
    OptionalLong modelCap = resolver.tableEntry(deployment, upstreamModel)
        .map(PriceTable.Entry::maxOutputTokens)
        .orElse(OptionalLong.empty());
    long output = outputTokens(request, modelCap, deployment.provider());
    Optional<Money> cost = switch (resolver.price(model, deployment, upstreamModel)) {
      case Price.PerToken t -> Optional.of(exact ? worstCase(request, prompt, output, t.price(), t.source())
          : worstCaseBound(request, prompt, output, t));
      case Price.PerHour h -> Optional.empty();
      case Price.Unpriced u -> Optional.empty();
    };
    return new Estimate(prompt, output, cost);
  }

  /** The prompt tokens of a chat request for a model, formatting and safety margin included. */
  public long promptTokens(JsonNode request, String upstreamModel) {
    String family = family(upstreamModel);
    Encoding encoding = encodingFor(family);
    return promptTokens(request, family, new Counter() {
      @Override
      public long text(String s) {
        return count(encoding, s);
      }

      @Override
      public long jsonChars(JsonNode n) {
        return n.toString().length();
      }

      @Override
      public long json(JsonNode n) {
        return count(encoding, n.toString());
      }
    });
  }

  /** An upper bound of {@link #promptTokens} without a tokenizer ({@link #bound}). */
  public long promptTokensBound(JsonNode request, String upstreamModel) {
    return promptTokens(request, family(upstreamModel), BOUND);
  }

  /** How the texts of a request are counted: in tokens exactly, or bounded from above. */
  private interface Counter {
    long text(String s);

    /** The characters of a JSON value's compact form (or more). */
    long jsonChars(JsonNode n);

    /** The tokens of a JSON value's compact form (or more). */
    long json(JsonNode n);
  }

  private static final Counter BOUND = new Counter() {
    @Override
    public long text(String s) {
      return 3L * s.length();
    }

    @Override
    public long jsonChars(JsonNode n) {
      return compactBytesBound(n);
    }

    @Override
    public long json(JsonNode n) {
      return compactBytesBound(n);
    }
  };

  /**
   * At least the UTF-8 bytes of {@code n}'s compact JSON form, without writing it: six bytes per
   * character of a string (an escaped control character is six, any other character at most
   * three), quotes, separators and brackets as written.
   */
  static long compactBytesBound(JsonNode n) {
    if (n.isTextual()) return 2 + 6L * n.textValue().length();
    if (n.isObject()) {
      long bytes = 2 + Math.max(0, n.size() - 1);
      for (var e : n.properties()) bytes += 3 + 6L * e.getKey().length() + compactBytesBound(e.getValue());
      return bytes;
    }
    if (n.isArray()) {
      long bytes = 2 + Math.max(0, n.size() - 1);
      for (JsonNode item : n) bytes += compactBytesBound(item);
      return bytes;
    }
    return n.isNumber() ? n.asText().length() : 5; // true, false, null
  }

  private static long promptTokens(JsonNode request, String family, Counter count) {
    long tokens = REPLY_PRIMING;
    for (JsonNode m : request.path("messages")) {
      tokens += TOKENS_PER_MESSAGE;
      for (Map.Entry<String, JsonNode> field : m.properties()) { // one pass: long conversations have many messages
        JsonNode v = field.getValue();
        if (v.isNull()) continue;
        switch (field.getKey()) {
          case "role" -> tokens += count.text(v.asText(""));
          case "content" -> tokens += content(count, v);
          case "name" -> tokens += TOKENS_PER_NAME + count.text(v.asText());
          case "tool_calls", "function_call" -> tokens += count.json(v);
          case "tool_call_id" -> tokens += count.text(v.asText());
          default -> { }
        }
      }
    }
    for (String field : List.of("tools", "functions", "response_format")) {
      if (request.hasNonNull(field)) tokens += count.json(request.get(field));
    }
    if (isOpenAi(family)) return tokens;
    return tokens + (tokens * FOREIGN_MARGIN_PERCENT + 99) / 100; // rounded up
  }

  private static long content(Counter count, JsonNode content) {
    if (content == null || content.isNull()) return 0;
    if (content.isTextual()) return count.text(content.asText());
    if (!content.isArray()) return count.json(content);
    long tokens = 0;
    for (JsonNode part : content) {
      switch (part.path("type").asText("")) {
        case "text" -> tokens += count.text(part.path("text").asText(""));
        case "image_url", "image" -> tokens += TOKENS_PER_IMAGE;
        default -> tokens += (count.jsonChars(part) + CHARS_PER_TOKEN_UNTOKENIZED - 1) / CHARS_PER_TOKEN_UNTOKENIZED;
      }
    }
    return tokens;
  }

  static long outputTokens(JsonNode request, OptionalLong modelCap, ProviderKind provider) {
    long perChoice;
    OptionalLong asked = limit(request, "max_completion_tokens");
    if (asked.isEmpty()) asked = limit(request, "max_tokens");
    if (asked.isPresent()) {
      perChoice = modelCap.isPresent() ? Math.min(asked.getAsLong(), modelCap.getAsLong()) : asked.getAsLong();
    } else if (provider == ProviderKind.ANTHROPIC) {
      perChoice = AnthropicCodec.DEFAULT_MAX_TOKENS;
    } else {
      perChoice = modelCap.orElse(DEFAULT_MAX_OUTPUT_TOKENS);
    }
    long n = request.path("n").canConvertToInt() ? Math.max(1, request.path("n").asInt(1)) : 1;
    return Math.multiplyExact(perChoice, n);
  }

  private static OptionalLong limit(JsonNode request, String field) {
    JsonNode v = request.get(field);
    return v != null && v.canConvertToLong() && v.asLong() >= 0 ? OptionalLong.of(v.asLong()) : OptionalLong.empty();
  }

  private static Money worstCase(JsonNode request, long prompt, long output, TokenPrice price, Price.Source source) {
    Rates r = price.ratesFor(prompt);
    boolean writesCostMore = r.cacheWrite().compareTo(r.input()) > 0 && request.findValue("cache_control") != null;
    boolean reasoningCostsMore = r.reasoning().compareTo(r.output()) > 0;
    Usage worst = new Usage(writesCostMore ? 0 : prompt, 0, writesCostMore ? prompt : 0, output,
        reasoningCostsMore ? output : 0);
    return CostCalculator.priced(worst, price, false, source).total();
  }

  /**
   * The worst case at a prompt bound: the real prompt, at most the bound, may fall in any price
   * level up to the bound's, and each level's cost grows with the tokens, so the dearest of those
   * levels priced at the bound is an upper bound whatever the tiers' rates.
   */
  private static Money worstCaseBound(JsonNode request, long promptBound, long output, Price.PerToken t) {
    TokenPrice price = t.price();
    Money most = worstCase(request, promptBound, output, price, t.source());
    if (price.tiers().isEmpty()) return most;
    List<Rates> lower = new java.util.ArrayList<>(List.of(price.rates()));
    for (TokenPrice.Tier tier : price.tiers()) if (tier.aboveTokens() < promptBound) lower.add(tier.rates());
    for (Rates r : lower) {
      Money c = worstCase(request, promptBound, output, TokenPrice.flat(r), t.source());
      if (c.compareTo(most) > 0) most = c;
    }
    return most;
  }

  /** The model name without a provider prefix, lower-cased: {@code openai/GPT-4o} is {@code gpt-4o}. */
  private static String family(String upstreamModel) {
    String name = upstreamModel.toLowerCase(Locale.ROOT);
    int slash = name.lastIndexOf('/');
    return slash >= 0 ? name.substring(slash + 1) : name;
  }

  private static boolean isOpenAi(String family) {
    return startsWithAny(family, O200K_FAMILIES) || startsWithAny(family, CL100K_FAMILIES);
  }

  /** The encoding used for a model name. */
  static EncodingType encodingTypeFor(String upstreamModel) {
    return startsWithAny(family(upstreamModel), O200K_FAMILIES) ? EncodingType.O200K_BASE : EncodingType.CL100K_BASE;
  }

  private static Encoding encodingFor(String family) {
    return startsWithAny(family, O200K_FAMILIES) ? O200k.ENCODING : Cl100k.ENCODING;
  }

  private static boolean startsWithAny(String s, List<String> prefixes) {
    for (String p : prefixes) {
      if (s.startsWith(p)) return true;
    }
    return false;
  }

  private static long count(Encoding encoding, String text) {
    return text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
  }

  private static final class O200k {
    static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
  }

  private static final class Cl100k {
    static final Encoding ENCODING = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
  }
}
