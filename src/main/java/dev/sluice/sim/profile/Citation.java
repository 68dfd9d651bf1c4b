package dev.sluice.sim.profile;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One number of a profile and where it comes from.
 *
 * @param path the key's dotted path in the profile file ({@code batching.step.overhead_ms})
 * @param value the number
 * @param source the citation: a calibration row id ({@code H8-31}) with a note, a vendor or paper
 *     figure, a derivation, or "fitted to ..." for values fitted to calibration rows
 */
public record Citation(String path, double value, String source) {
  private static final Pattern ROW = Pattern.compile("\\b(H8|A8|L8|H70|CPU|EDGE|APIF|APIM)-\\d{2}\\b");

  /** The calibration row ids the source names, in order of appearance. */
  public List<String> rowIds() {
    List<String> ids = new ArrayList<>();
    Matcher m = ROW.matcher(source);
    while (m.find()) {
      if (!ids.contains(m.group())) ids.add(m.group());
    }
    return ids;
  }
}
