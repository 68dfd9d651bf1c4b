package dev.sluice.sim.calibrate;

import dev.sluice.sim.model.BatchingSpec;
import dev.sluice.sim.profile.CalibrationPoint;
import dev.sluice.sim.profile.Profile;
import dev.sluice.sim.profile.WorkloadSpec;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Draws a batching profile's behaviour against concurrency, with the published figures it is
 * calibrated on drawn on the same axes: output throughput, mean time to first token and mean time
 * per output token. Lines are the emulator under closed-loop load (N clients, each sending its
 * next request when the last ends) for each workload shape the profile's calibration points use;
 * a filled diamond is a published figure and a hollow circle the emulator under that figure's own
 * workload, both placed at the concurrency the emulator shows for that workload (Little's law).
 * Rendering is headless java.awt; nothing is downloaded.
 */
public final class CalibrationPlot {
  private CalibrationPlot() {}

  private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c)};
  private static final int PANEL_W = 560;
  private static final int PANEL_H = 430;
  private static final int TOP = 96;
  private static final int LEFT = 20;

  /** One workload shape: its lengths, drawn in one colour. */
  private record Shape(WorkloadSpec.Lengths lengths, int input, int output) {
    String label() {
      return (lengths == WorkloadSpec.Lengths.SHAREGPT ? "ShareGPT-like " : "fixed ") + input + " in / " + output + " out";
    }

    WorkloadSpec closed(int concurrency) {
      return new WorkloadSpec(lengths, input, output, new WorkloadSpec.Arrival.Closed(concurrency), Math.max(200, 3 * concurrency));
    }
  }

  /** A published figure and the emulator's value under the same workload. */
  private record Marker(Shape shape, int panel, double x, double published, double emulated, String row, boolean fitted) {}

  /** Writes the plot of {@code profile} to {@code png}. */
  public static void write(Profile profile, Path png) throws IOException {
    if (png.getParent() != null) Files.createDirectories(png.getParent());
    ImageIO.write(render(profile), "png", png.toFile());
  }

  /** Renders the plot; only batching (GPU, CPU, edge) profiles have one. */
  public static BufferedImage render(Profile profile) {
    if (!(profile.performance() instanceof Profile.Performance.Batching batching)) {
      throw new IllegalArgumentException(profile.name() + " is a cloud API: it has no batch to plot against concurrency");
    }
    BatchingSpec spec = batching.spec();
    Map<Shape, Color> shapes = new LinkedHashMap<>();
    for (CalibrationPoint p : profile.calibration()) {
      WorkloadSpec w = p.workload();
      if (w.outputTokens() < 2 || shapes.size() == COLORS.length) continue;
      shapes.putIfAbsent(new Shape(w.lengths(), w.inputTokens(), w.outputTokens()), COLORS[shapes.size()]);
    }
    List<Integer> levels = new ArrayList<>();
    for (int c = 1; c <= Math.max(16, 2 * spec.maxNumSeqs()); c *= 2) levels.add(c);

    // Curves: [shape][panel] -> points.
    Map<Shape, List<List<double[]>>> curves = new LinkedHashMap<>();
    for (Shape s : shapes.keySet()) {
      List<List<double[]>> panels = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
      for (int c : levels) {
        RunResult r = WorkloadRunner.run(profile, s.closed(c), Faithfulness.SEED);
        panels.get(0).add(new double[] {c, r.outputThroughput()});
        panels.get(1).add(new double[] {c, r.meanTtftMs()});
        panels.get(2).add(new double[] {c, r.meanTpotMs()});
      }
      curves.put(s, panels);
    }
    List<Marker> markers = new ArrayList<>();
    for (CalibrationPoint p : profile.calibration()) {
      WorkloadSpec w = p.workload();
      Shape s = new Shape(w.lengths(), w.inputTokens(), w.outputTokens());
      int panel = switch (p.measure()) {
        case OUTPUT_THROUGHPUT -> 0;
        case MEAN_TTFT_MS, MEDIAN_TTFT_MS -> 1;
        case MEAN_TPOT_MS, STREAM_TOKENS_PER_S -> 2;
        default -> -1;
      };
      if (panel < 0 || !shapes.containsKey(s)) continue;
      RunResult r = WorkloadRunner.run(profile, w, Faithfulness.SEED);
      double published = p.measure() == CalibrationPoint.Measure.STREAM_TOKENS_PER_S ? 1000 / p.published() : p.published();
      double emulated = p.measure() == CalibrationPoint.Measure.STREAM_TOKENS_PER_S ? r.meanTpotMs() : r.value(p.measure());
      markers.add(new Marker(s, panel, Math.max(1, r.meanConcurrency()), published, emulated, p.row(),
          p.check() != CalibrationPoint.Check.REFERENCE));
    }

    int width = LEFT + 3 * PANEL_W + 20;
    int height = TOP + PANEL_H + 40;
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    g.drawString(profile.name() + ": " + profile.hardware() + ", " + profile.model(), LEFT + 10, 28);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    g.drawString("Lines: the emulator under closed-loop load (virtual time, seed " + Faithfulness.SEED + "), one colour per workload shape. "
        + "Filled diamond: published figure (calibration row; grey when not fitted). Hollow circle: emulator under the same workload.", LEFT + 10, 50);
    int lx = LEFT + 10;
    for (var e : shapes.entrySet()) {
      g.setColor(e.getValue());
      g.setStroke(new BasicStroke(2.5f));
      g.drawLine(lx, 70, lx + 28, 70);
      g.setColor(Color.BLACK);
      g.drawString(e.getKey().label(), lx + 34, 75);
      lx += 44 + g.getFontMetrics().stringWidth(e.getKey().label());
    }
    String[] titles = {"Output throughput (tokens/s)", "Mean time to first token (ms)", "Mean time per output token (ms)"};
    boolean[] logY = {false, true, true};
    for (int panel = 0; panel < 3; panel++) {
      int x0 = LEFT + panel * PANEL_W;
      List<double[]> all = new ArrayList<>();
      for (var c : curves.values()) all.addAll(c.get(panel));
      for (Marker m : markers) {
        if (m.panel() == panel) {
          all.add(new double[] {m.x(), m.published()});
          all.add(new double[] {m.x(), m.emulated()});
        }
      }
      Axes axes = Axes.fit(all, levels.getLast(), logY[panel], x0 + 70, TOP + 10, PANEL_W - 95, PANEL_H - 60);
      axes.draw(g, titles[panel], "concurrency (requests in flight)");
      for (var e : curves.entrySet()) {
        g.setColor(shapes.get(e.getKey()));
        g.setStroke(new BasicStroke(2.5f));
        Path2D path = new Path2D.Double();
        boolean first = true;
        for (double[] p : e.getValue().get(panel)) {
          if (p[1] <= 0 && logY[panel]) continue;
          if (first) path.moveTo(axes.x(p[0]), axes.y(p[1]));
          else path.lineTo(axes.x(p[0]), axes.y(p[1]));
          first = false;
        }
        g.draw(path);
      }
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      for (Marker m : markers) {
        if (m.panel() != panel) continue;
        Color c = shapes.get(m.shape());
        double px = axes.x(m.x());
        double pe = axes.y(m.emulated());
        double pp = axes.y(m.published());
        g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {3f, 3f}, 0f));
        g.setColor(Color.GRAY);
        g.drawLine((int) px, (int) pe, (int) px, (int) pp);
        g.setStroke(new BasicStroke(2f));
        g.setColor(c);
        g.drawOval((int) px - 6, (int) pe - 6, 12, 12);
        Path2D diamond = new Path2D.Double();
        diamond.moveTo(px, pp - 8);
        diamond.lineTo(px + 8, pp);
        diamond.lineTo(px, pp + 8);
        diamond.lineTo(px - 8, pp);
        diamond.closePath();
        g.setColor(m.fitted() ? c : Color.LIGHT_GRAY);
        g.fill(diamond);
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(1f));
        g.draw(diamond);
        g.drawString(m.row(), (int) px + 10, (int) pp + 4);
      }
    }
    g.dispose();
    return img;
  }

  /** Maps data to pixels: log2 concurrency on x, linear or log10 on y. */
  private record Axes(double xMax, double yMin, double yMax, boolean logY, int left, int top, int w, int h) {

    static Axes fit(List<double[]> points, double xMax, boolean logY, int left, int top, int w, int h) {
      double lo = Double.MAX_VALUE;
      double hi = 0;
      for (double[] p : points) {
        if (p[1] <= 0) continue;
        lo = Math.min(lo, p[1]);
        hi = Math.max(hi, p[1]);
        xMax = Math.max(xMax, p[0]);
      }
      if (hi == 0) {
        lo = 1;
        hi = 10;
      }
      if (logY) {
        lo = Math.pow(10, Math.floor(Math.log10(lo)));
        hi = Math.pow(10, Math.ceil(Math.log10(hi)));
      } else {
        lo = 0;
        hi = niceCeiling(hi * 1.08);
      }
      return new Axes(Math.pow(2, Math.ceil(Math.log(xMax) / Math.log(2))), lo, hi, logY, left, top, w, h);
    }

    double x(double v) {
      return left + w * (Math.log(Math.max(1, v)) / Math.log(xMax));
    }

    double y(double v) {
      double f = logY ? (Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin)) : (v - yMin) / (yMax - yMin);
      return top + h - h * f;
    }

    void draw(Graphics2D g, String title, String xLabel) {
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
      g.drawString(title, left, top - 2);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      g.setStroke(new BasicStroke(1f));
      for (double c = 1; c <= xMax; c *= 2) {
        int px = (int) x(c);
        g.setColor(new Color(0xe6e6e6));
        g.drawLine(px, top, px, top + h);
        g.setColor(Color.DARK_GRAY);
        String s = Long.toString((long) c);
        g.drawString(s, px - g.getFontMetrics().stringWidth(s) / 2, top + h + 15);
      }
      List<Double> ticks = new ArrayList<>();
      if (logY) {
        for (double v = yMin; v <= yMax * 1.0001; v *= 10) ticks.add(v);
      } else {
        double step = niceCeiling(yMax / 5);
        for (double v = 0; v <= yMax * 1.0001; v += step) ticks.add(v);
      }
      for (double v : ticks) {
        int py = (int) y(v);
        g.setColor(new Color(0xe6e6e6));
        g.drawLine(left, py, left + w, py);
        g.setColor(Color.DARK_GRAY);
        String s = label(v);
        g.drawString(s, left - 6 - g.getFontMetrics().stringWidth(s), py + 4);
      }
      g.setColor(Color.BLACK);
      g.drawRect(left, top, w, h);
      g.drawString(xLabel, left + w / 2 - g.getFontMetrics().stringWidth(xLabel) / 2, top + h + 32);
    }

    private static String label(double v) {
      if (v >= 1000) return String.format(Locale.ROOT, "%,.0f", v);
      if (v >= 1) return String.format(Locale.ROOT, "%.0f", v);
      return String.format(Locale.ROOT, "%.2g", v);
    }
  }

  /** 1, 2 or 5 times a power of ten, at least {@code v}. */
  static double niceCeiling(double v) {
    if (v <= 0) return 1;
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * p >= v) return m * p;
    }
    return 10 * p;
  }
}
