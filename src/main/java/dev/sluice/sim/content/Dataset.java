package dev.sluice.sim.content;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.api.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Recorded answers to serve instead of generated text, each marked correct or not, so a workload
 * with known per-model correctness (RouteLLM's MMLU files, for one) runs end to end: the emulated
 * model answers correctly exactly where the data says it did.
 *
 * <p>Files: CSV with a header row (RFC 4180 quoting, fields may span lines) or JSON Lines. A CSV
 * needs a {@code prompt} column and the correctness column named when loading ({@code True}/
 * {@code False}); a response column is optional. A JSON line has {@code prompt}, the correctness
 * field (default {@code correct}), optionally {@code response} and {@code id}. A directory means
 * its {@code *.csv} and {@code *.jsonl} files in name order.
 *
 * <p>Row ids are {@code <file name without extension>:<n>}, {@code n} counting data rows from 1
 * (a JSON line's {@code id} field replaces it). Lookup by prompt is exact, and the first matching
 * row wins: prompts repeat in real data. Immutable and thread-safe once loaded.
 */
public final class Dataset {

  /** One recorded answer. {@code response} is {@code null} when the data holds correctness only. */
  public record Row(String id, String prompt, String response, boolean correct) {}

  private final Map<String, Row> byId;
  private final Map<String, Row> byPrompt;
  private final String description;

  private Dataset(List<Row> rows, String description) {
    this.byId = new LinkedHashMap<>();
    this.byPrompt = new HashMap<>();
    for (Row r : rows) {
      byId.putIfAbsent(r.id(), r);
      byPrompt.putIfAbsent(r.prompt(), r);
    }
    this.description = description;
  }

  /**
   * Loads files or directories.
   *
   * @param correctColumn the column (CSV) or field (JSON) holding correctness, e.g. {@code gpt-4-1106-preview}
   * @param responseColumn the column holding the answer text, or {@code null}
   * @throws IllegalArgumentException naming the file and the problem
   */
  public static Dataset load(List<Path> paths, String correctColumn, String responseColumn) {
    List<Path> files = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.list(p)) {
          s.filter(f -> f.toString().endsWith(".csv") || f.toString().endsWith(".jsonl")).sorted().forEach(files::add);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      } else if (Files.isRegularFile(p)) {
        files.add(p);
      } else {
        throw new IllegalArgumentException("dataset " + p + ": no such file or directory");
      }
    }
    if (files.isEmpty()) throw new IllegalArgumentException("dataset " + paths + ": no .csv or .jsonl files");
    List<Row> rows = new ArrayList<>();
    for (Path f : files) {
      String text;
      try {
        text = Files.readString(f, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalArgumentException("dataset " + f + ": cannot read: " + e.getMessage());
      }
      String stem = f.getFileName().toString().replaceFirst("\\.[^.]+$", "");
      if (f.toString().endsWith(".jsonl")) {
        readJsonLines(f, stem, text, correctColumn == null ? "correct" : correctColumn,
            responseColumn == null ? "response" : responseColumn, rows);
      } else {
        readCsv(f, stem, text, correctColumn, responseColumn, rows);
      }
    }
    return new Dataset(rows, rows.size() + " rows from " + files.size() + " file(s), correctness from '" + correctColumn + "'");
  }

  public Optional<Row> byId(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** The first row whose prompt equals {@code prompt} exactly. */
  public Optional<Row> byPrompt(String prompt) {
    return Optional.ofNullable(byPrompt.get(prompt));
  }

  public int size() {
    return byId.size();
  }

  @Override
  public String toString() {
    return description;
  }

  private static void readCsv(Path f, String stem, String text, String correctColumn, String responseColumn, List<Row> out) {
    List<List<String>> records = parseCsv(text);
    if (records.isEmpty()) return;
    List<String> header = records.getFirst();
    int prompt = header.indexOf("prompt");
    int correct = header.indexOf(correctColumn);
    int response = responseColumn == null ? -1 : header.indexOf(responseColumn);
    if (prompt < 0) throw new IllegalArgumentException("dataset " + f + ": no 'prompt' column; columns are " + header);
    if (correct < 0) {
      throw new IllegalArgumentException("dataset " + f + ": no correctness column '" + correctColumn + "'; columns are " + header);
    }
    if (responseColumn != null && response < 0) {
      throw new IllegalArgumentException("dataset " + f + ": no response column '" + responseColumn + "'; columns are " + header);
    }
    for (int i = 1; i < records.size(); i++) {
      List<String> r = records.get(i);
      if (r.size() == 1 && r.getFirst().isEmpty()) continue;
      if (r.size() <= Math.max(prompt, Math.max(correct, response))) {
        throw new IllegalArgumentException("dataset " + f + ": row " + i + " has " + r.size() + " fields, fewer than the header");
      }
      out.add(new Row(stem + ":" + i, r.get(prompt), response < 0 ? null : r.get(response), truth(f, i, r.get(correct))));
    }
  }

  private static void readJsonLines(Path f, String stem, String text, String correctField, String responseField, List<Row> out) {
    String[] lines = text.split("\r?\n");
    int n = 0;
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].isBlank()) continue;
      n++;
      JsonNode o;
      try {
        o = Json.MAPPER.readTree(lines[i]);
      } catch (IOException e) {
        throw new IllegalArgumentException("dataset " + f + ": line " + (i + 1) + " is not JSON");
      }
      if (!o.path("prompt").isTextual()) throw new IllegalArgumentException("dataset " + f + ": line " + (i + 1) + " has no string 'prompt'");
      JsonNode c = o.get(correctField);
      if (c == null) throw new IllegalArgumentException("dataset " + f + ": line " + (i + 1) + " has no '" + correctField + "'");
      String id = o.path("id").isValueNode() && !o.path("id").isNull() ? o.path("id").asText() : stem + ":" + n;
      JsonNode r = o.get(responseField);
      out.add(new Row(id, o.path("prompt").asText(), r == null || r.isNull() ? null : r.asText(), truth(f, i + 1, c.asText())));
    }
  }

  private static boolean truth(Path f, int row, String v) {
    return switch (v.strip().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new IllegalArgumentException("dataset " + f + ": row " + row + ": correctness '" + v + "' is not True or False");
    };
  }

  /** RFC 4180: comma-separated, double-quoted fields may hold commas, doubled quotes and line breaks. */
  static List<List<String>> parseCsv(String text) {
    List<List<String>> records = new ArrayList<>();
    List<String> record = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    int i = 0;
    int n = text.length();
    if (n > 0 && text.charAt(0) == '\uFEFF') i = 1;
    while (i < n) {
      char ch = text.charAt(i);
      if (quoted) {
        if (ch == '"') {
          if (i + 1 < n && text.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          field.append(ch);
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        record.add(field.toString());
        field.setLength(0);
      } else if (ch == '\n' || ch == '\r') {
        if (ch == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') i++;
        record.add(field.toString());
        field.setLength(0);
        records.add(record);
        record = new ArrayList<>();
      } else {
        field.append(ch);
      }
      i++;
    }
    if (field.length() > 0 || !record.isEmpty()) {
      record.add(field.toString());
      records.add(record);
    }
    return records;
  }
}
