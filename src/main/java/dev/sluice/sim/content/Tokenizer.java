package dev.sluice.sim.content;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

/**
 * Counts and splits text into tokens with the {@code cl100k_base} vocabulary. Llama 3's tokenizer
 * extends that vocabulary (its first 100k tokens are cl100k's), so counts are close to what a
 * Llama 3 server reports, and exact for the emulator's own {@code usage}. Thread-safe.
 */
public final class Tokenizer {
  private static final Encoding CL100K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);

  private Tokenizer() {}

  /** The token ids of {@code text} (special-token text is treated as ordinary text). */
  public static int[] encode(String text) {
    return text.isEmpty() ? new int[0] : CL100K.encodeOrdinary(text).toArray();
  }

  public static int count(String text) {
    return text.isEmpty() ? 0 : CL100K.countTokensOrdinary(text);
  }

  /** The text of one token; bytes that do not form whole characters come out as replacement characters. */
  public static String decode(int token) {
    IntArrayList one = new IntArrayList(1);
    one.add(token);
    return CL100K.decode(one);
  }

  /** Bytes of a run of tokens. */
  static byte[] decodeBytes(int[] tokens, int from, int to) {
    IntArrayList list = new IntArrayList(to - from);
    for (int i = from; i < to; i++) list.add(tokens[i]);
    return CL100K.decodeBytes(list);
  }
}
