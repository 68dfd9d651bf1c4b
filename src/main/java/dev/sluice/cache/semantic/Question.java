package dev.sluice.cache.semantic;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The surface facts of one question that decide whether two questions may share an answer even
 * when their embeddings are close: its words, the numbers it states, whether it is negated, the
 * names it mentions and the kind of question it asks. Read once when a question is stored or looked
 * up; pure and immutable.
 *
 * @param text the question as written
 * @param words lower-cased word tokens, in order
 * @param contentWords {@code words} without function words
 * @param numbers the quantities stated, normalised ("two" and "2" are both {@code 2}; "1,000" is {@code 1000})
 * @param negated whether the question contains a negation ("not", "never", "isn't", ...)
 * @param names capitalised words that are not the first word of a sentence, lower-cased; empty when
 *     the question is written in title case or capitals, where capitals say nothing
 * @param asks the first interrogative word ("what", "how", "why", "is", ...), or "" if none
 */
public record Question(String text, List<String> words, Set<String> contentWords, Set<String> numbers,
    boolean negated, Set<String> names, String asks) {

  private static final Pattern TOKEN = Pattern.compile("[\\p{L}\\p{N}]+(?:[.,'’][\\p{L}\\p{N}]+)*");
  private static final Pattern NUMERIC = Pattern.compile("\\d[\\d,.]*");

  private static final Set<String> NEGATIONS = Set.of("not", "no", "never", "none", "nobody", "nothing",
      "neither", "nor", "nowhere", "cannot", "without", "isn't", "aren't", "wasn't", "weren't", "don't",
      "doesn't", "didn't", "won't", "wouldn't", "can't", "couldn't", "shouldn't", "haven't", "hasn't",
      "hadn't", "mustn't", "needn't", "ain't", "isnt", "arent", "dont", "doesnt", "didnt", "cant", "wont",
      "shouldnt", "couldnt", "wouldnt");

  /** Number words, except "one", which is mostly a pronoun ("how does one ..."). */
  private static final Map<String, String> NUMBER_WORDS = Map.ofEntries(
      Map.entry("zero", "0"), Map.entry("two", "2"), Map.entry("three", "3"), Map.entry("four", "4"),
      Map.entry("five", "5"), Map.entry("six", "6"), Map.entry("seven", "7"), Map.entry("eight", "8"),
      Map.entry("nine", "9"), Map.entry("ten", "10"), Map.entry("eleven", "11"), Map.entry("twelve", "12"),
      Map.entry("thirteen", "13"), Map.entry("fourteen", "14"), Map.entry("fifteen", "15"),
      Map.entry("sixteen", "16"), Map.entry("seventeen", "17"), Map.entry("eighteen", "18"),
      Map.entry("nineteen", "19"), Map.entry("twenty", "20"), Map.entry("thirty", "30"),
      Map.entry("forty", "40"), Map.entry("fifty", "50"), Map.entry("sixty", "60"),
      Map.entry("seventy", "70"), Map.entry("eighty", "80"), Map.entry("ninety", "90"),
      Map.entry("hundred", "100"), Map.entry("thousand", "1000"), Map.entry("million", "1000000"),
      Map.entry("billion", "1000000000"), Map.entry("twice", "2"), Map.entry("double", "2"),
      Map.entry("half", "0.5"), Map.entry("dozen", "12"));

  private static final Set<String> INTERROGATIVES = Set.of("what", "how", "why", "which", "who", "whom",
      "whose", "when", "where", "is", "are", "was", "were", "do", "does", "did", "can", "could", "should",
      "would", "will", "has", "have", "may", "might", "shall");

  private static final Set<String> FUNCTION_WORDS = Set.of("a", "an", "the", "of", "to", "in", "on", "at",
      "for", "from", "by", "with", "about", "as", "into", "and", "or", "but", "if", "then", "so", "than",
      "that", "this", "these", "those", "there", "it", "its", "it's", "i", "i'm", "me", "my", "we", "our",
      "you", "your", "he", "she", "his", "her", "they", "them", "their", "one", "some", "any", "all",
      "what", "what's", "how", "why", "which", "who", "whom", "whose", "when", "where", "is", "are", "was",
      "were", "be", "been", "being", "am", "do", "does", "did", "can", "could", "should", "would", "will",
      "shall", "may", "might", "must", "has", "have", "had", "get", "got", "much", "many", "more", "most",
      "very", "just", "also", "really", "best", "good", "way", "ways", "someone", "something", "anyone",
      "people", "person", "u", "us");

  /** Reads the facts of {@code text}. */
  public static Question of(String text) {
    List<String> raw = new ArrayList<>();
    Matcher m = TOKEN.matcher(text);
    while (m.find()) raw.add(m.group().replace('’', '\''));
    List<String> words = new ArrayList<>(raw.size());
    Set<String> content = new HashSet<>();
    Set<String> numbers = new HashSet<>();
    boolean negated = false;
    String asks = "";
    for (String w : raw) {
      String lower = w.toLowerCase(Locale.ROOT);
      words.add(lower);
      if (NEGATIONS.contains(lower) || lower.endsWith("n't")) negated = true;
      String number = number(lower);
      if (number != null) numbers.add(number);
      if (!FUNCTION_WORDS.contains(lower) && !NEGATIONS.contains(lower)) content.add(lower);
      if (asks.isEmpty() && INTERROGATIVES.contains(lower)) asks = lower;
    }
    return new Question(text, List.copyOf(words), Set.copyOf(content), Set.copyOf(numbers), negated,
        names(text, raw), asks);
  }

  /** Words of {@code a} that {@code b} does not contain. */
  static Set<String> missingFrom(Set<String> a, Question b) {
    Set<String> missing = new HashSet<>();
    for (String w : a) if (!b.words.contains(w)) missing.add(w);
    return missing;
  }

  private static String number(String lower) {
    if (NUMERIC.matcher(lower).matches()) {
      String plain = lower.replace(",", "");
      if (plain.endsWith(".")) plain = plain.substring(0, plain.length() - 1);
      if (plain.contains(".")) plain = plain.replaceAll("\\.?0+$", "");
      return plain.isEmpty() ? null : plain;
    }
    // 1st, 10th, 5k, 6s, a720is, z5400: counts, versions and model numbers all tell things apart
    for (int i = 0; i < lower.length(); i++) if (Character.isDigit(lower.charAt(i))) return lower;
    return NUMBER_WORDS.get(lower);
  }

  /**
   * Capitalised words after the first word of each sentence, and words in capitals (acronyms). When
   * a function word is capitalised inside a sentence ("What Is The Best Way To ...", or all in
   * capitals) the writer capitalises everything, and no word counts as a name.
   */
  private static Set<String> names(String text, List<String> raw) {
    Set<String> names = new HashSet<>();
    Matcher m = TOKEN.matcher(text);
    boolean sentenceStart = true;
    int last = 0;
    while (m.find()) {
      String between = text.substring(last, m.start());
      if (between.contains(".") || between.contains("?") || between.contains("!") || between.contains(":")) {
        sentenceStart = true;
      }
      String w = m.group();
      if (!sentenceStart && Character.isUpperCase(w.charAt(0)) && !w.equals("I") && !w.startsWith("I'")) {
        String lower = w.toLowerCase(Locale.ROOT).replace('’', '\'');
        if (FUNCTION_WORDS.contains(lower)) return Set.of();
        names.add(lower);
      }
      sentenceStart = false;
      last = m.end();
    }
    return Set.copyOf(names);
  }
}
