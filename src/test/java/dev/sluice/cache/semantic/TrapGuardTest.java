package dev.sluice.cache.semantic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.cache.semantic.TrapGuard.Trap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Pairs that embed close together yet ask different things, and paraphrases that must get through. */
class TrapGuardTest {

  @ParameterizedTest(name = "{0} / {1} -> {2}")
  @CsvSource(delimiter = '|', textBlock = """
      Is ibuprofen safe during pregnancy?           | Is ibuprofen not safe during pregnancy?        | NEGATION
      Why does my code work?                        | Why doesn't my code work?                      | NEGATION
      Book 2 tickets to Paris for Friday            | Book 3 tickets to Paris for Friday             | NUMBERS
      Book two tickets to Paris                     | Book 3 tickets to Paris                        | NUMBERS
      How fast is the iPhone 6s?                    | How fast is the iPhone 7?                      | NUMBERS
      What is the capital of Austria?               | What is the capital of Australia?              | NAMES
      How tall is Lionel Messi?                     | How tall is Cristiano Ronaldo?                 | NAMES
      Book two tickets to Paris                     | Book 2 tickets to Paris                        | NONE
      What are valid reasons to vote for Trump?     | What are valid reasons to vote for Donald Trump? | NONE
      How do I reset my password?                   | How can I reset my password?                   | NONE
      Why isn't my code working?                    | Why does my code not work?                     | NONE
      What Is The Best Way To Learn Java?           | what is the best way to learn python?          | NONE
      """)
  void separatesQuestionsThatMeanDifferentThings(String a, String b, Trap expected) {
    assertThat(TrapGuard.between(Question.of(a), Question.of(b))).isEqualTo(expected);
    assertThat(TrapGuard.between(Question.of(b), Question.of(a))).isEqualTo(expected);
  }
}
