package dev.sluice.meter;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/**
 * The tokens of one request, in disjoint buckets that are each priced at one rate. Parsed from an
 * OpenAI-format usage object, which Sluice emits for every provider.
 *
 * <p>The buckets never overlap, whatever the wire format nests inside what:
 * <ul>
 *   <li>OpenAI's {@code prompt_tokens_details.cached_tokens} is a part of {@code prompt_tokens}, so
 *       uncached input is {@code prompt_tokens - cached - cache_write}: a cached token is never also
 *       billed as input (the double count other gateways made).
 *   <li>Anthropic usage, as Sluice maps it ({@code AnthropicCodec.usage}), puts
 *       {@code cache_read_input_tokens} and {@code cache_creation_input_tokens} inside
 *       {@code prompt_tokens} too, and keeps them as extra fields; cache reads appear as
 *       {@code cached_tokens} and cache writes as {@code cache_creation_input_tokens}.
 *   <li>DeepSeek's {@code prompt_cache_hit_tokens} stands for {@code cached_tokens} when that is absent.
 *   <li>{@code completion_tokens_details.reasoning_tokens} is a part of {@code completion_tokens}:
 *       reasoning is counted in {@link #output()} (and priced as output, unless the model prices it
 *       apart), and {@link #reasoning()} says how much of the output it was.
 * </ul>
 *
 * <p>When the cache counts exceed {@code prompt_tokens}, they cannot be a part of it: the upstream
 * reported them beside it (Anthropic's own convention) and they are taken as additional. That reading
 * never prices fewer tokens than were reported.
 *
 * <p>A missing usage object is not zero tokens: {@link #fromResponse} then answers empty, and the
 * caller records the request's usage as unknown.
 *
 * @param input uncached prompt tokens
 * @param cachedInput prompt tokens read from the provider's prompt cache
 * @param cacheWrite prompt tokens written to the provider's prompt cache
 * @param output completion tokens, reasoning included
 * @param reasoning the part of {@code output} that was reasoning (informational)
 */
public record Usage(long input, long cachedInput, long cacheWrite, long output, long reasoning) {

  public Usage {
    if (input < 0 || cachedInput < 0 || cacheWrite < 0 || output < 0 || reasoning < 0 || reasoning > output) {
      throw new IllegalArgumentException("invalid token counts: " + input + "/" + cachedInput + "/" + cacheWrite
          + "/" + output + "/" + reasoning);
    }
  }

  /** A request's tokens without prompt caching or reasoning. */
  public static Usage of(long input, long output) {
    return new Usage(input, 0, 0, output, 0);
  }

  /** Every prompt token: uncached, read from cache and written to cache. Long-context tiers count this. */
  public long promptTokens() {
    return input + cachedInput + cacheWrite;
  }

  public long totalTokens() {
    return promptTokens() + output;
  }

  /**
   * The usage in a response body or a stream chunk ({@code {"usage": {...}, ...}}): empty when it has
   * none ({@code usage} absent or {@code null}, as in every chunk but the last of a stream, or a
   * stream whose client did not ask for {@code stream_options.include_usage}). The last chunk of a
   * stream that carries usage has the totals.
   */
  public static Optional<Usage> fromResponse(JsonNode bodyOrChunk) {
    return bodyOrChunk == null ? Optional.empty() : fromUsage(bodyOrChunk.get("usage"));
  }

  /**
   * An OpenAI-format usage object itself: empty when it is absent, not an object, or carries neither
   * {@code prompt_tokens} nor {@code completion_tokens}.
   */
  public static Optional<Usage> fromUsage(JsonNode usage) {
    if (usage == null || !usage.isObject()) return Optional.empty();
    JsonNode promptNode = usage.get("prompt_tokens");
    JsonNode completionNode = usage.get("completion_tokens");
    boolean hasPrompt = promptNode != null && promptNode.isNumber();
    boolean hasCompletion = completionNode != null && completionNode.isNumber();
    if (!hasPrompt && !hasCompletion) return Optional.empty();

    long prompt = hasPrompt ? Math.max(0, promptNode.asLong()) : 0;
    long completion = hasCompletion ? Math.max(0, completionNode.asLong()) : 0;
    JsonNode promptDetails = usage.path("prompt_tokens_details");
    long cached = count(promptDetails, "cached_tokens");
    if (cached < 0) cached = count(usage, "prompt_cache_hit_tokens");
    if (cached < 0) cached = count(usage, "cache_read_input_tokens");
    long write = count(usage, "cache_creation_input_tokens");
    if (write < 0) write = count(promptDetails, "cache_write_tokens");
    cached = Math.max(0, cached);
    write = Math.max(0, write);
    long reasoning = Math.min(completion, Math.max(0, count(usage.path("completion_tokens_details"), "reasoning_tokens")));

    long uncached = prompt - cached - write;
    if (uncached < 0) uncached = prompt; // the cache counts were reported beside prompt_tokens, not inside it
    return Optional.of(new Usage(uncached, cached, write, completion, reasoning));
  }

  /** A non-negative count, or -1 when the field is absent or not a number. */
  private static long count(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isNumber() ? Math.max(0, v.asLong()) : -1;
  }
}
