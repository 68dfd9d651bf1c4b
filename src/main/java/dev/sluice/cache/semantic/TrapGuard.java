package dev.sluice.cache.semantic;

/**
 * Refuses pairs of questions that embed close together yet ask different things, where no similarity
 * threshold helps: one negated and the other not ("is X safe" / "is X not safe"), different numbers
 * ("2 tickets" / "3 tickets"), or one name swapped for another ("capital of Austria" / "capital of
 * Australia"). Pure.
 */
public final class TrapGuard {
  private TrapGuard() {}

  /** Why two questions may not share an answer, or {@link #NONE}. */
  public enum Trap {
    NONE, NEGATION, NUMBERS, NAMES
  }

  /** The first trap that separates {@code a} from {@code b}; symmetric. */
  public static Trap between(Question a, Question b) {
    if (a.negated() != b.negated()) return Trap.NEGATION;
    if (!a.numbers().equals(b.numbers())) return Trap.NUMBERS;
    // a name only one side mentions is often a detail ("Trump" / "Donald Trump"); a name on each
    // side that the other lacks is a different subject
    if (!Question.missingFrom(a.names(), b).isEmpty() && !Question.missingFrom(b.names(), a).isEmpty()) {
      return Trap.NAMES;
    }
    return Trap.NONE;
  }
}
