package dev.sluice.runs.loop;

/**
 * How alike two texts are, from 0 (unrelated) to 1 (the same meaning or the same words). Must be a
 * pure, fast, thread-safe function: the {@link LoopDetector} calls it a few times per inspected
 * call, on whatever thread inspects. Models that run asynchronously (MiniLM through
 * {@link dev.sluice.provider.local.Embedder}) are used through {@link VectorSimilarity}, with the
 * vectors computed before the detector runs (see {@link EmbeddingLoopCheck}).
 */
@FunctionalInterface
public interface TextSimilarity {

  double similarity(String a, String b);
}
