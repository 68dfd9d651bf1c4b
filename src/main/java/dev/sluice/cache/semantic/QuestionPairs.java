package dev.sluice.cache.semantic;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Labelled question pairs from a CSV file with the columns {@code question1}, {@code question2} and
 * {@code is_duplicate} (1 when both ask the same thing), as in the Quora Question Pairs and MeanCache
 * data.
 */
public final class QuestionPairs {
  private QuestionPairs() {}

  public record Pair(String question1, String question2, boolean duplicate) {
    /** Whether the shipped verifier may have been trained on this pair (see {@link PairSplit}). */
    public boolean training() {
      return PairSplit.isTraining(question1, question2);
    }
  }

  public static List<Pair> read(Path file) throws IOException {
    CsvMapper mapper = new CsvMapper();
    List<Pair> pairs = new ArrayList<>();
    try (MappingIterator<Map<String, String>> rows = mapper.readerForMapOf(String.class)
        .with(CsvSchema.emptySchema().withHeader()).readValues(file.toFile())) {
      int line = 1;
      while (rows.hasNext()) {
        Map<String, String> row = rows.next();
        line++;
        String q1 = row.get("question1");
        String q2 = row.get("question2");
        String label = row.get("is_duplicate");
        if (q1 == null || q2 == null || label == null) {
          throw new IOException(file + ": needs the columns question1, question2, is_duplicate (row " + line + ")");
        }
        if (!label.equals("0") && !label.equals("1")) {
          throw new IOException(file + ": is_duplicate must be 0 or 1, got '" + label + "' (row " + line + ")");
        }
        pairs.add(new Pair(q1, q2, label.equals("1")));
      }
    }
    return pairs;
  }

  /** The SHA-256 of a file, in hex: names exactly what a verifier was trained on. */
  public static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
