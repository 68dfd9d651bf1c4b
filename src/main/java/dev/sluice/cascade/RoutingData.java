package dev.sluice.cascade;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads labelled routing data in RouteLLM's response-file format: CSV files (RFC 4180, header row)
 * with a {@code prompt} column and one {@code True}/{@code False} column per model saying whether
 * that model answered correctly. A folder is read file by file in name order; a
 * {@code contaminated_prompts.jsonl} next to the files lists prompts ({@code eval_prompt}) that are
 * dropped, as RouteLLM does.
 */
public final class RoutingData {
  /** RouteLLM's cheap model column. */
  public static final String CHEAP_COLUMN = "mistralai/Mixtral-8x7B-Instruct-v0.1";
  /** RouteLLM's strong model column. */
  public static final String STRONG_COLUMN = "gpt-4-1106-preview";

  private RoutingData() {}

  /** Reads one CSV file, or every {@code *.csv} in a folder, with RouteLLM's column names. */
  public static List<LabelledPrompt> read(Path fileOrFolder) {
    return read(fileOrFolder, CHEAP_COLUMN, STRONG_COLUMN);
  }

  public static List<LabelledPrompt> read(Path fileOrFolder, String cheapColumn, String strongColumn) {
    List<Path> files;
    Path folder;
    if (Files.isDirectory(fileOrFolder)) {
      folder = fileOrFolder;
      try (Stream<Path> s = Files.list(fileOrFolder)) {
        files = s.filter(p -> p.getFileName().toString().endsWith(".csv")).sorted().toList();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + fileOrFolder + ": " + e.getMessage(), e);
      }
      if (files.isEmpty()) throw new IllegalArgumentException(fileOrFolder + " holds no .csv file");
    } else if (Files.isRegularFile(fileOrFolder)) {
      folder = fileOrFolder.toAbsolutePath().getParent();
      files = List.of(fileOrFolder);
    } else {
      throw new IllegalArgumentException(fileOrFolder + " is neither a file nor a folder");
    }
    Set<String> contaminated = contaminated(folder.resolve("contaminated_prompts.jsonl"));
    List<LabelledPrompt> out = new ArrayList<>();
    for (Path f : files) readFile(f, cheapColumn, strongColumn, contaminated, out);
    return out;
  }

  private static void readFile(Path file, String cheapColumn, String strongColumn, Set<String> skip,
      List<LabelledPrompt> out) {
    CsvMapper mapper = new CsvMapper();
    String name = file.getFileName().toString();
    try (MappingIterator<Map<String, String>> it = mapper.readerForMapOf(String.class)
        .with(CsvSchema.emptySchema().withHeader()).readValues(file.toFile())) {
      int row = 0;
      while (it.hasNext()) {
        Map<String, String> r = it.next();
        String prompt = r.get("prompt");
        if (prompt == null || !r.containsKey(cheapColumn) || !r.containsKey(strongColumn)) {
          throw new IllegalArgumentException(name + " record " + row + ": needs the columns prompt, " + cheapColumn
              + " and " + strongColumn + " (found " + r.keySet() + ")");
        }
        if (!skip.contains(prompt)) {
          out.add(new LabelledPrompt(name, row, prompt, flag(r.get(cheapColumn), name, row),
              flag(r.get(strongColumn), name, row)));
        }
        row++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static boolean flag(String v, String file, int row) {
    if ("True".equals(v)) return true;
    if ("False".equals(v)) return false;
    throw new IllegalArgumentException(file + " record " + row + ": expected True or False, got '" + v + "'");
  }

  private static Set<String> contaminated(Path jsonl) {
    Set<String> out = new HashSet<>();
    if (!Files.isRegularFile(jsonl)) return out;
    ObjectMapper json = new ObjectMapper();
    try {
      for (String line : Files.readAllLines(jsonl)) {
        if (line.isBlank()) continue;
        JsonNode n = json.readTree(line);
        if (n.hasNonNull("eval_prompt")) out.add(n.get("eval_prompt").asText());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + jsonl + ": " + e.getMessage(), e);
    }
    return out;
  }
}
