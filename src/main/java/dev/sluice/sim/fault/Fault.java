package dev.sluice.sim.fault;

/** What an emulated server does wrong to one request (or {@link None}). */
public sealed interface Fault {

  /** Answer normally. */
  record None() implements Fault {}

  /** Answer at once with this HTTP status (500, 502, 503...) and an OpenAI error body. */
  record ServerError(int status) implements Fault {}

  /** Answer 429 with {@code Retry-After}, in emulated seconds. */
  record RateLimited(double retryAfterSeconds) implements Fault {}

  /** Never answer; the connection stays open until the client gives up. */
  record Hang() implements Fault {}

  /** Close the connection after {@code afterTokens} streamed tokens (before any body when not streaming). */
  record Reset(int afterTokens) implements Fault {}

  /** Answer 200 with a body, or a stream event, that is not valid JSON. */
  record Malformed() implements Fault {}

  /** Stream with {@code extraMsPerToken} emulated milliseconds added before every token. */
  record Slow(double extraMsPerToken) implements Fault {}

  /** The server is in an outage window: 503 until {@code secondsLeft} have passed. */
  record Outage(double secondsLeft) implements Fault {}
}
