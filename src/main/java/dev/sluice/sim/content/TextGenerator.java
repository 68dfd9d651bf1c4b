package dev.sluice.sim.content;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic pseudo-text: a seed gives the same sentence every time. Every piece is exactly one
 * token of the {@link Tokenizer}'s vocabulary (a word with its leading space, or a full stop), so
 * an answer of {@code n} pieces is {@code n} output tokens, streamed one piece per chunk.
 */
public final class TextGenerator {
  private TextGenerator() {}

  private static final String[] CANDIDATES = (
      "the of and to in is that it for as with was on be by this are from at or an have not but which they "
      + "you one all were we when there can more has been if their will would so what about into out up "
      + "time only other some could these two may then first any like now my such make over our even most "
      + "made after also did many before must through back years where much your way well down should "
      + "because each just those people how too little state good very world still own see men work long "
      + "get here between both life being under never day same another know while last might great old "
      + "year off come since against go came right used take three system water around house small found "
      + "number part place case week company group problem fact hand point home area money story result "
      + "change night study book word issue side kind head service friend power hour game line end member "
      + "law car city community name team minute idea body information level office door health person art "
      + "war history party market model process model data value order answer question reason method table "
      + "network server request token cache memory batch queue price cost budget route pool policy signal "
      + "simple clear quick steady stable careful useful likely ready early later often always usually"
      ).split(" ");

  /** Words that are one token both as {@code " word"} and as {@code " Word"}, and as {@code "Word"} at the start. */
  private static final String[] WORDS;
  private static final String[] CAPITALISED;

  static {
    List<String> words = new ArrayList<>();
    List<String> caps = new ArrayList<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (String w : CANDIDATES) {
      if (!seen.add(w)) continue;
      String cap = Character.toUpperCase(w.charAt(0)) + w.substring(1);
      if (Tokenizer.count(" " + w) == 1 && Tokenizer.count(" " + cap) == 1 && Tokenizer.count(cap) == 1) {
        words.add(w);
        caps.add(cap);
      }
    }
    WORDS = words.toArray(String[]::new);
    CAPITALISED = caps.toArray(String[]::new);
  }

  /** {@code count} pieces of text from {@code seed}: sentences of 5 to 16 words, each ended by a full stop. */
  public static List<String> pieces(long seed, int count) {
    SplittableRandom random = new SplittableRandom(seed);
    List<String> out = new ArrayList<>(count);
    int left = 0;
    while (out.size() < count) {
      int w = random.nextInt(WORDS.length);
      if (left == 0) {
        out.add(out.isEmpty() ? CAPITALISED[w] : " " + CAPITALISED[w]);
        left = 5 + random.nextInt(12);
      } else if (left == 1) {
        out.add(".");
        left = 0;
      } else {
        out.add(" " + WORDS[w]);
        left--;
      }
    }
    return out;
  }

  /** A word for argument values and the like, from {@code seed}. */
  public static String word(long seed) {
    return WORDS[(int) Math.floorMod(seed, (long) WORDS.length)];
  }

  /** An answer's natural length: log-normal with the given median and spread, at least 1. */
  public static int naturalLength(long seed, double median, double sigma) {
    double z = new SplittableRandom(seed ^ 0x2545F4914F6CDD1DL).nextGaussian();
    return (int) Math.max(1, Math.round(median * Math.exp(sigma * z)));
  }

  /** How many words the vocabulary has (tests check it is not degenerate). */
  static int vocabularySize() {
    return WORDS.length;
  }
}
