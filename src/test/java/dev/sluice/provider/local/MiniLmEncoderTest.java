package dev.sluice.provider.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.model.output.Response;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sluice's own run of all-MiniLM-L6-v2 gives the vectors and token counts of LangChain4j's model,
 * float for float, while it tokenizes once, cuts long texts early and uses one inference thread.
 */
class MiniLmEncoderTest {
  static MiniLmEncoder encoder;
  static AllMiniLmL6V2QuantizedEmbeddingModel library;

  @BeforeAll
  static void load() {
    encoder = MiniLmEncoder.load();
    library = new AllMiniLmL6V2QuantizedEmbeddingModel(Runnable::run);
  }

  @AfterAll
  static void close() {
    encoder.close();
  }

  @Test
  void vectorsAndTokenCountsAreLangChain4jsFloatForFloat() {
    String prose = "The quarterly report shows that revenue grew by twelve percent, while costs stayed flat. ";
    List<String> texts = List.of(
        "The cat sits on the mat.",
        "How do I reset my password?",
        "What are some logical, fact-based reasons to vote for Trump?",
        "Café crème brûlée, naïve façade: 東京都の天気は晴れです 😀",
        "  \t\n  leading and trailing whitespace \n\n",
        "MIXED Case, numbers 1,000.50 and URLs https://example.com/a?b=c",
        prose.repeat(100), // 9,000 characters: the first prefix fills the window
        "word\n".repeat(3000), // many short lines
        "x".repeat(5000) + " tail words here", // one unknown word longer than the first prefix
        "\u001Cjoined\u001Fwords" + " spaced".repeat(500), // control characters the tokenizer deletes
        "a" + " ".repeat(2000) + "b " + "lonely words ".repeat(20)); // the prefix is mostly spaces

    for (String text : texts) {
      Response<List<dev.langchain4j.data.embedding.Embedding>> expected = library.embedAll(List.of(TextSegment.from(text)));
      MiniLmEncoder.Encoded actual = encoder.encode(text);

      assertThat(actual.vector()).as("vector of %s", abbreviated(text))
          .containsExactly(expected.content().getFirst().vector());
      assertThat(actual.tokens()).as("tokens of %s", abbreviated(text))
          .isEqualTo(expected.tokenUsage().inputTokenCount());
    }
  }

  @Test
  void aLongTextIsTokenizedOnlyAsFarAsTheModelReads() {
    String text = "alpha beta gamma ".repeat(10_000); // 170,000 characters

    assertThat(encoder.tokenIds(text)).hasSize(MiniLm.MAX_TOKENS);
    assertThat(encoder.tokenIds(text)).containsExactly(encoder.tokenIds(text.substring(0, 2000)));
  }

  @Test
  void prefixesEndAtASpaceTabOrLineBreakAndNeverSplitAWord() {
    assertThat(MiniLmEncoder.prefixEndingAtSpace("short", 10)).isEqualTo("short");
    assertThat(MiniLmEncoder.prefixEndingAtSpace("one two three four", 9)).isEqualTo("one two");
    assertThat(MiniLmEncoder.prefixEndingAtSpace("one\ttwo\nthree four", 9)).isEqualTo("one\ttwo");
    // no cut point before the limit: the first one after it
    assertThat(MiniLmEncoder.prefixEndingAtSpace("abcdefghijkl mn", 5)).isEqualTo("abcdefghijkl");
    // none at all: the whole text
    assertThat(MiniLmEncoder.prefixEndingAtSpace("abcdefghijkl", 5)).isEqualTo("abcdefghijkl");
    // characters the tokenizer deletes are no cut points
    assertThat(MiniLmEncoder.prefixEndingAtSpace("ab cd\u001Fef", 6)).isEqualTo("ab");
  }

  @Test
  void aTextWithNothingToEmbedIsRefused() {
    assertThatThrownBy(() -> encoder.encode("   ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> encoder.encode("\u0000\u0001")).isInstanceOf(IllegalArgumentException.class);
  }

  private static String abbreviated(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "... (" + text.length() + " chars)";
  }
}
