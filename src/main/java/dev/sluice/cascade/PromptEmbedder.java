package dev.sluice.cascade;

import dev.sluice.provider.local.Embedder;
import dev.sluice.provider.local.MiniLm;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Embeds many prompts for the offline commands (training, evaluation): in batches, through an
 * {@link EmbeddingCache}, reporting progress, waiting for each batch (these commands run on their
 * own thread, never on an event loop).
 */
final class PromptEmbedder {
  private static final int BATCH = 32;

  private PromptEmbedder() {}

  /**
   * One prompt's two vectors: of its opening ({@link #embeddable}) and of its ending
   * ({@link #ending}); the same vector when the prompt is short enough for both to be all of it.
   */
  record PromptVectors(float[] opening, float[] ending) {}

  /** Embeds every prompt's opening and ending with MiniLM, through the cache file when one is given. */
  static List<PromptVectors> embedAll(List<LabelledPrompt> prompts, Path cacheFile, PrintWriter progress) {
    try (Embedder embedder = MiniLm.start();
        EmbeddingCache cache = cacheFile == null ? EmbeddingCache.none(MiniLm.DIMENSIONS)
            : EmbeddingCache.open(cacheFile, MiniLm.DIMENSIONS)) {
      // Every prompt's opening, then the endings of the prompts that have their own, in order.
      List<String> texts = new ArrayList<>(prompts.stream().map(LabelledPrompt::prompt).toList());
      for (LabelledPrompt p : prompts) {
        if (hasOwnEnding(p.prompt())) texts.add(ending(p.prompt()));
      }
      List<float[]> vectors = embedAll(embedder, cache, texts, progress);
      List<PromptVectors> out = new ArrayList<>(prompts.size());
      int nextEnding = prompts.size();
      for (int i = 0; i < prompts.size(); i++) {
        float[] opening = vectors.get(i);
        out.add(new PromptVectors(opening, hasOwnEnding(prompts.get(i).prompt()) ? vectors.get(nextEnding++) : opening));
      }
      return out;
    }
  }

  /** One vector per text, in order. Progress lines go to {@code progress} about every 5%. */
  static List<float[]> embedAll(Embedder embedder, EmbeddingCache cache, List<String> texts, PrintWriter progress) {
    List<float[]> out = new ArrayList<>(texts.size());
    List<Integer> missing = new ArrayList<>();
    for (int i = 0; i < texts.size(); i++) {
      out.add(cache.get(embeddable(texts.get(i))).orElse(null));
      if (out.get(i) == null) missing.add(i);
    }
    if (missing.isEmpty()) return out;
    progress.printf("embedding %,d texts (prompt openings and endings) with %s (%,d were cached)%n", missing.size(),
        embedder.model(), texts.size() - missing.size());
    progress.flush();
    long start = System.nanoTime();
    int step = Math.max(BATCH, missing.size() / 20);
    int nextReport = step;
    for (int from = 0; from < missing.size(); from += BATCH) {
      List<Integer> batch = missing.subList(from, Math.min(missing.size(), from + BATCH));
      List<String> batchTexts = batch.stream().map(i -> embeddable(texts.get(i))).toList();
      Embedder.Embeddings e = embedder.embed(batchTexts).await();
      for (int k = 0; k < batch.size(); k++) {
        out.set(batch.get(k), e.vectors().get(k));
        cache.put(batchTexts.get(k), e.vectors().get(k));
      }
      int done = from + batch.size();
      if (done >= nextReport || done == missing.size()) {
        double secs = (System.nanoTime() - start) / 1e9;
        progress.printf("  %,d/%,d (%.0f%%), %.0f prompts/s, about %.0f s left%n", done, missing.size(),
            100.0 * done / missing.size(), done / secs, (missing.size() - done) * secs / done);
        progress.flush();
        nextReport += step;
      }
    }
    return out;
  }

  /**
   * What of a prompt the router reads, at training and at request time alike: its first
   * {@value #MAX_CHARS} characters (the model reads only its first 126 word pieces, roughly 90
   * words, and cutting the text first spares tokenizing the rest), or a stand-in for an empty one.
   */
  static String embeddable(String text) {
    if (text.isBlank()) return "(empty)";
    if (text.length() <= MAX_CHARS) return text;
    int end = Character.isHighSurrogate(text.charAt(MAX_CHARS - 1)) ? MAX_CHARS - 1 : MAX_CHARS;
    return text.substring(0, end);
  }

  static final int MAX_CHARS = 1000;

  /**
   * What of a long prompt's end the router reads besides its opening: its last
   * {@value #ENDING_CHARS} characters, from the first word that starts in them (about as much as
   * the model reads). A question on a passage, or a list of answer options, comes last, beyond
   * what the model reads of the opening. A prompt of at most {@value #ENDING_CHARS} characters is
   * its own ending: the same text as {@link #embeddable}, so one vector serves both.
   */
  static String ending(String text) {
    if (!hasOwnEnding(text)) return embeddable(text);
    int start = text.length() - ENDING_CHARS;
    int space = start;
    while (space < text.length() && !Character.isWhitespace(text.charAt(space))) space++;
    if (space < text.length() - 1) start = space + 1; // a single unbroken word is cut where it falls
    if (Character.isLowSurrogate(text.charAt(start))) start++;
    return embeddable(text.substring(start));
  }

  /** Whether a prompt's ending is a text of its own, which needs its own vector. */
  static boolean hasOwnEnding(String text) {
    return text.length() > ENDING_CHARS;
  }

  static final int ENDING_CHARS = 400;
}
