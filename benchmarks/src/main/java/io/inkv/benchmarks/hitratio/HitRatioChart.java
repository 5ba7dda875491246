package io.inkv.benchmarks.hitratio;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/*
 * Draws hit ratio against cache size (PNG, headless java.awt) from the CSV HitRatio writes
 * ("trace,size,<system>,..." and one row per trace and size): one panel per trace named on the
 * command line, one line per system, the size axis on a log scale.
 *
 * usage: HitRatioChart results.csv out.png trace1 trace2 trace3
 */
public final class HitRatioChart {
  private static final Color[] COLORS = {new Color(0xE45756), new Color(0xF58518), new Color(0x4C78A8),
      new Color(0x54A24B), new Color(0x9D755D), new Color(0xB279A2), new Color(0x72B7B2)};
  private static final int PANEL_W = 420;
  private static final int PANEL_H = 320;
  private static final int MARGIN = 50;

  private HitRatioChart() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    List<String> lines = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
    String[] header = lines.get(0).split(",");
    List<String> traces = List.of(args).subList(2, args.length);
    Map<String, List<double[]>> rows = new LinkedHashMap<>(); // trace -> [size, ratio per system]
    for (String line : lines.subList(1, lines.size())) {
      String[] c = line.split(",");
      double[] v = new double[header.length - 1];
      for (int i = 1; i < header.length; i++) {
        v[i - 1] = Double.parseDouble(c[i]);
      }
      rows.computeIfAbsent(c[0], k -> new ArrayList<>()).add(v);
    }
    int width = traces.size() * (PANEL_W + MARGIN) + MARGIN;
    int height = PANEL_H + 2 * MARGIN + 40;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (int t = 0; t < traces.size(); t++) {
      List<double[]> points = rows.get(traces.get(t));
      if (points == null) {
        throw new IllegalArgumentException("no rows for trace " + traces.get(t) + " in " + args[0]);
      }
      panel(g, MARGIN + t * (PANEL_W + MARGIN), MARGIN, traces.get(t), points, header);
    }
    int x = MARGIN;
    for (int s = 2; s < header.length; s++) {
      g.setColor(COLORS[(s - 2) % COLORS.length]);
      g.fillRect(x, height - 28, 14, 4);
      g.setColor(Color.BLACK);
      g.drawString(header[s], x + 18, height - 22);
      x += 30 + g.getFontMetrics().stringWidth(header[s]);
    }
    g.dispose();
    ImageIO.write(image, "png", new File(args[1]));
  }

  private static void panel(Graphics2D g, int x0, int y0, String trace, List<double[]> points, String[] header) {
    double minSize = Double.MAX_VALUE;
    double maxSize = 0;
    for (double[] p : points) {
      minSize = Math.min(minSize, p[0]);
      maxSize = Math.max(maxSize, p[0]);
    }
    double lo = Math.log(minSize) - 0.1;
    double hi = Math.log(maxSize) + 0.1;
    g.setColor(Color.BLACK);
    g.drawString(trace + ": hit ratio (%) against cache size (entries)", x0, y0 - 10);
    g.setColor(new Color(0xDDDDDD));
    for (int pct = 0; pct <= 100; pct += 20) {
      int y = y0 + PANEL_H - pct * PANEL_H / 100;
      g.drawLine(x0, y, x0 + PANEL_W, y);
      g.setColor(Color.GRAY);
      g.drawString(Integer.toString(pct), x0 - 26, y + 4);
      g.setColor(new Color(0xDDDDDD));
    }
    g.setColor(Color.GRAY);
    for (double[] p : points) {
      int x = x0 + (int) ((Math.log(p[0]) - lo) / (hi - lo) * PANEL_W);
      g.drawString(String.format(Locale.ROOT, "%.0f", p[0]), x - 12, y0 + PANEL_H + 16);
    }
    g.setStroke(new BasicStroke(2f));
    for (int s = 1; s < header.length - 1; s++) {
      g.setColor(COLORS[(s - 1) % COLORS.length]);
      int px = -1;
      int py = -1;
      for (double[] p : points) {
        int x = x0 + (int) ((Math.log(p[0]) - lo) / (hi - lo) * PANEL_W);
        int y = y0 + PANEL_H - (int) (p[s] * PANEL_H / 100);
        g.fillOval(x - 3, y - 3, 6, 6);
        if (px >= 0) {
          g.drawLine(px, py, x, y);
        }
        px = x;
        py = y;
      }
    }
    g.setStroke(new BasicStroke(1f));
  }
}
