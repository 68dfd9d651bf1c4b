package dev.sluice.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain text table for the terminal: columns padded to their widest cell, numbers right-aligned,
 * and an optional footer (totals) under a rule.
 */
final class Table {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();
  private List<String> footer;
  private final boolean[] numeric;

  Table(List<String> header, boolean... numeric) {
    this.header = List.copyOf(header);
    this.numeric = new boolean[header.size()];
    for (int i = 0; i < numeric.length && i < header.size(); i++) this.numeric[i] = numeric[i];
  }

  void add(List<String> row) {
    rows.add(List.copyOf(row));
  }

  /** The line printed last, under a rule, such as the totals. */
  void footer(List<String> row) {
    footer = List.copyOf(row);
  }

  boolean isEmpty() {
    return rows.isEmpty();
  }

  void print(PrintStream out) {
    PrintWriter w = new PrintWriter(out);
    print(w);
    w.flush();
  }

  void print(PrintWriter out) {
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) widths[i] = header.get(i).length();
    List<List<String>> all = new ArrayList<>(rows);
    if (footer != null) all.add(footer);
    for (List<String> r : all) {
      for (int i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i], cell(r, i).length());
    }
    StringBuilder rule = new StringBuilder();
    for (int i = 0; i < widths.length; i++) rule.append(i == 0 ? "" : "  ").append("-".repeat(widths[i]));
    line(out, header, widths);
    out.println(rule);
    for (List<String> r : rows) line(out, r, widths);
    if (footer != null) {
      out.println(rule);
      line(out, footer, widths);
    }
    out.flush();
  }

  private void line(PrintWriter out, List<String> cells, int[] widths) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < widths.length; i++) {
      if (i > 0) sb.append("  ");
      String c = cell(cells, i);
      String pad = " ".repeat(widths[i] - c.length());
      sb.append(numeric[i] ? pad + c : c + (i == widths.length - 1 ? "" : pad));
    }
    out.println(sb);
  }

  private static String cell(List<String> r, int i) {
    return i < r.size() && r.get(i) != null ? r.get(i) : "";
  }
}
