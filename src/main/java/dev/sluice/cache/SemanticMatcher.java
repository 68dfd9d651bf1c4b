package dev.sluice.cache;

import io.vertx.core.Future;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Finds a stored answer to an equivalent question: the semantic side of the response cache. A match
 * needs the same context (tenant scope, model, and a hash of everything but the last user message:
 * system prompt, tools, earlier turns) and a question that means the same thing, not merely a close
 * one. Implementations embed text with an in-process model, so they never run it on the calling
 * thread: the futures complete later.
 *
 * @param <V> what is stored with each question (the cached answer)
 */
public interface SemanticMatcher<V> {

  /** Where a question may match: never across tenant scopes, models or conversations. */
  record Context(String scope, String model, String contextHash) {}

  /** A stored answer and how similar its question was (cosine similarity, -1..1). */
  record Match<V>(V value, String question, double similarity) {}

  /**
   * @param threshold the minimum similarity for the model, or {@code NaN} for the shipped default
   */
  Future<Optional<Match<V>>> find(Context context, String question, double threshold);

  /** Stores an answer to {@code question}; replaces nothing (several answers may coexist). */
  Future<Void> add(Context context, String question, V value);

  /** Drops every entry whose context matches: an admin purge by tenant or model. */
  void purge(Predicate<Context> which);
}
