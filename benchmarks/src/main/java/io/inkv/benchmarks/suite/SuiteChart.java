package io.inkv.benchmarks.suite;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/*
 * Draws a horizontal bar chart on a log scale (PNG, headless java.awt) from a CSV that
 * benchmarks/results-table.py writes: a header "label,<series 1>,<series 2>,..." and one row per
 * bar group (a system), values in nanoseconds (empty for none). Each group gets one bar per
 * series, labelled with its value; a log axis lets 50 ns and 100 us share a chart.
 *
 * usage: SuiteChart data.csv out.png "title" "subtitle"
 */
public final class SuiteChart {
  private static final Color[] SERIES = {new Color(0x4C78A8), new Color(0xF58518), new Color(0x54A24B),
      new Color(0xB279A2)};
  private static final Color HIGHLIGHT = new Color(0xFFF3D6);

  private SuiteChart() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    List<String> lines = Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8);
    String[] series = lines.get(0).split(",");
    List<String> labels = new ArrayList<>();
    List<double[]> values = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      if (line.isBlank()) {
        continue;
      }
      String[] cells = line.split(",", -1);
      labels.add(cells[0]);
      double[] v = new double[series.length - 1];
      for (int i = 1; i < series.length; i++) {
        v[i - 1] = i < cells.length && !cells[i].isBlank() ? Double.parseDouble(cells[i]) : Double.NaN;
      }
      values.add(v);
    }
    draw(labels, values, series, args[2], args.length > 3 ? args[3] : "", new File(args[1]));
  }

  static void draw(List<String> labels, List<double[]> values, String[] header, String title, String subtitle,
      File out) throws Exception {
    int n = header.length - 1;
    int bar = 16;
    int group = n * bar + 14;
    int left = 190;
    int right = 90;
    int top = 86;
    int width = 1100;
    int height = top + labels.size() * group + 60;
    double min = Double.MAX_VALUE;
    double max = 0;
    for (double[] v : values) {
      for (double x : v) {
        if (x > 0) {
          min = Math.min(min, x);
          max = Math.max(max, x);
        }
      }
    }
    double lo = Math.pow(10, Math.floor(Math.log10(min)));
    double hi = Math.pow(10, Math.ceil(Math.log10(max)));
    int plot = width - left - right;

    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);

    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    g.drawString(title, 16, 28);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setColor(new Color(0x555555));
    g.drawString(subtitle, 16, 48);
    // legend
    int lx = 16;
    for (int s = 0; s < n; s++) {
      g.setColor(SERIES[s % SERIES.length]);
      g.fillRect(lx, 58, 14, 12);
      g.setColor(Color.BLACK);
      g.drawString(header[s + 1], lx + 20, 69);
      lx += 30 + g.getFontMetrics().stringWidth(header[s + 1]);
    }

    // decade grid
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    for (double d = lo; d <= hi * 1.0001; d *= 10) {
      int x = left + (int) Math.round(plot * Math.log10(d / lo) / Math.log10(hi / lo));
      g.setColor(new Color(0xDDDDDD));
      g.setStroke(new BasicStroke(1));
      g.drawLine(x, top - 6, x, height - 50);
      g.setColor(new Color(0x444444));
      String t = nanos(d).replace(".00 ", " ").replace(".0 ", " ");
      g.drawString(t, x - g.getFontMetrics().stringWidth(t) / 2, height - 34);
    }
    g.drawString("log scale", width - right - 40, height - 16);

    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    FontMetrics fm = g.getFontMetrics();
    for (int i = 0; i < labels.size(); i++) {
      int y = top + i * group;
      if (labels.get(i).startsWith("inkv")) {
        g.setColor(HIGHLIGHT);
        g.fillRect(0, y - 4, width, group - 6);
      }
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, labels.get(i).startsWith("inkv") ? Font.BOLD : Font.PLAIN, 13));
      g.drawString(labels.get(i), left - 10 - g.getFontMetrics().stringWidth(labels.get(i)), y + (n * bar) / 2 + 4);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      for (int s = 0; s < n; s++) {
        double v = values.get(i)[s];
        int by = y + s * bar;
        if (!(v > 0)) {
          g.setColor(new Color(0x888888));
          g.drawString("n/a", left + 4, by + bar - 4);
          continue;
        }
        int w = Math.max(2, (int) Math.round(plot * Math.log10(v / lo) / Math.log10(hi / lo)));
        g.setColor(SERIES[s % SERIES.length]);
        g.fillRect(left, by, w, bar - 3);
        g.setColor(Color.BLACK);
        g.drawString(nanos(v), left + w + 4, by + bar - 5);
      }
    }
    g.setColor(Color.BLACK);
    g.drawLine(left, top - 6, left, height - 50);
    g.dispose();
    ImageIO.write(img, "png", out);
    System.out.println("wrote " + out + " (" + fm.getHeight() + " px text)");
  }

  static String nanos(double ns) {
    if (ns >= 1e9) {
      return String.format(Locale.ROOT, "%.3g s", ns / 1e9);
    }
    if (ns >= 1e6) {
      return String.format(Locale.ROOT, "%.3g ms", ns / 1e6);
    }
    if (ns >= 1e3) {
      return String.format(Locale.ROOT, "%.3g us", ns / 1e3);
    }
    return String.format(Locale.ROOT, "%.0f ns", ns);
  }
}
