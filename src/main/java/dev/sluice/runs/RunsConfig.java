package dev.sluice.runs;

/**
 * The config's {@code runs:} section: the default policy of every agent run, and how the gateway's
 * loop check tells near-duplicate turns apart ({@code runs.loops.similarity}).
 */
public record RunsConfig(RunPolicy defaults, LoopSimilarity similarity) {

  /** How {@code no_progress} measures near-duplicates. */
  public enum LoopSimilarity {
    /** MiniLM cosine similarity of the turns' texts (at least 0.9), embedded off the event loop. */
    MINILM,
    /** Cosine similarity of character trigrams (at least 0.8): no model, synchronous. */
    LEXICAL,
    /** No near-duplicate check; the exact patterns only. */
    OFF
  }

  /** The default limits; near-duplicates by spelling. */
  public static final RunsConfig DEFAULT = new RunsConfig(RunPolicy.DEFAULT, LoopSimilarity.LEXICAL);
}
