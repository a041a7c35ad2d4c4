package org.fkt.report;

import org.fkt.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;

/**
 * A line chart drawn with Java2D and written as PNG: a title, axes with "nice" ticks (1, 2 or 5 times
 * a power of ten), axis labels, a legend under the x-axis label, one line per series with a dot on
 * every point (only on isolated points once a series has more than {@value #MAX_DOTS}), and labelled
 * vertical markers (stage boundaries). A non-finite y breaks the line (the point is skipped); a plot
 * without any finite point still renders its frame with "no data". Series colours follow
 * {@link #color(int)} in the order the series were added.
 */
public final class LinePlot {
    private static final Color[] PALETTE = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44),
        new Color(214, 39, 40), new Color(148, 103, 189), new Color(140, 86, 75)};
    private static final int LEFT = 72;
    private static final int RIGHT = 24;
    private static final int TOP = 40;
    private static final int BOTTOM = 80;
    static final int DOT_RADIUS = 3;
    /** Above this many points a series gets dots only where a point stands alone. */
    static final int MAX_DOTS = 60;

    private record Series(String name, double[] x, double[] y, Color color) {
    }

    private record Marker(double x, String label) {
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private final List<Marker> markers = new ArrayList<>();
    private int width = 800;
    private int height = 480;
    private boolean integerX;
    private double fixedX0 = Double.NaN;
    private double fixedX1 = Double.NaN;

    public LinePlot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** The colour of the series added {@code index}-th. */
    public static Color color(int index) {
        return PALETTE[index % PALETTE.length];
    }

    /** Image size in pixels (default 800 x 480). */
    public LinePlot size(int w, int h) {
        if (w < LEFT + RIGHT + 40 || h < TOP + BOTTOM + 40) {
            throw new IllegalArgumentException("plot '" + title + "': " + w + "x" + h + " is too small (at least "
                    + (LEFT + RIGHT + 40) + "x" + (TOP + BOTTOM + 40) + ")");
        }
        width = w;
        height = h;
        return this;
    }

    /** Ticks on the x axis at whole numbers only (epochs). */
    public LinePlot integerX() {
        integerX = true;
        return this;
    }

    /** Fixes the x range to [x0, x1] (x0 < x1) instead of the data's; points outside are clipped. */
    public LinePlot xRange(double x0, double x1) {
        if (!(x0 < x1)) {
            throw new IllegalArgumentException("plot '" + title + "': x range [" + x0 + ", " + x1 + "] is empty");
        }
        fixedX0 = x0;
        fixedX1 = x1;
        return this;
    }

    /** Adds a series; {@code x} and {@code y} have equal lengths, a non-finite y is a gap. */
    public LinePlot series(String name, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("plot '" + title + "': series '" + name + "' has " + x.length + " x and "
                    + y.length + " y values");
        }
        series.add(new Series(name, x.clone(), y.clone(), color(series.size())));
        return this;
    }

    /** Adds a dashed vertical line at {@code x} labelled {@code label} near the top. */
    public LinePlot marker(double x, String label) {
        markers.add(new Marker(x, label));
        return this;
    }

    /** Whether any series has a finite point. */
    public boolean hasData() {
        return series.stream().anyMatch(s -> finiteIndices(s).length > 0);
    }

    private static int[] finiteIndices(Series s) {
        return IntStream.range(0, s.x.length)
                .filter(i -> Double.isFinite(s.x[i]) && Double.isFinite(s.y[i])).toArray();
    }

    /** Data ranges, ticks and the pixel mapping of the plot area. */
    record Frame(int left, int top, int right, int bottom, double x0, double x1, double xStep, double y0, double y1,
            double yStep) {
        /** Pixel column of data x. */
        int px(double x) {
            return (int) Math.round(left + (x - x0) / (x1 - x0) * (right - left));
        }

        /** Pixel row of data y. */
        int py(double y) {
            return (int) Math.round(bottom - (y - y0) / (y1 - y0) * (bottom - top));
        }
    }

    /** The layout {@link #render} uses. */
    Frame frame() {
        double xmin = Double.POSITIVE_INFINITY;
        double xmax = Double.NEGATIVE_INFINITY;
        double ymin = Double.POSITIVE_INFINITY;
        double ymax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i : finiteIndices(s)) {
                xmin = Math.min(xmin, s.x[i]);
                xmax = Math.max(xmax, s.x[i]);
                ymin = Math.min(ymin, s.y[i]);
                ymax = Math.max(ymax, s.y[i]);
            }
        }
        if (xmin > xmax) {
            xmin = 0;
            xmax = 1;
            ymin = 0;
            ymax = 1;
        }
        if (!Double.isNaN(fixedX0)) {
            xmin = fixedX0;
            xmax = fixedX1;
        } else if (xmin == xmax) {
            xmin -= 1;
            xmax += 1;
        }
        if (ymin == ymax) {
            double pad = ymin == 0 ? 1 : Math.abs(ymin) * 0.1;
            ymin -= pad;
            ymax += pad;
        }
        double xStep = niceStep(xmax - xmin);
        if (integerX) {
            xStep = Math.max(1, Math.round(xStep));
        }
        double yStep = niceStep(ymax - ymin);
        double y0 = Math.floor(ymin / yStep) * yStep;
        double y1 = Math.ceil(ymax / yStep) * yStep;
        return new Frame(LEFT, TOP, width - RIGHT, height - BOTTOM, xmin, xmax, xStep, y0, y1, yStep);
    }

    /** About five intervals over {@code range}: 1, 2 or 5 times a power of ten. */
    static double niceStep(double range) {
        double raw = range / 5;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double norm = raw / magnitude;
        double nice = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
        return nice * magnitude;
    }

    private static String tickLabel(double value, double step) {
        int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
        return String.format(Locale.ROOT, "%." + decimals + "f", Math.abs(value) < step * 1e-9 ? 0.0 : value);
    }

    /** Draws the chart. */
    public BufferedImage render() {
        Frame f = frame();
        var image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            drawAxes(g, f);
            drawMarkers(g, f);
            drawSeries(g, f);
            drawLegend(g, f);
            if (!hasData()) {
                g.setColor(Color.GRAY);
                g.setFont(new Font(Font.SANS_SERIF, Font.ITALIC, 16));
                centered(g, "no data", (f.left + f.right) / 2, (f.top + f.bottom) / 2);
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private void drawAxes(Graphics2D g, Frame f) {
        Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        g.setFont(small);
        FontMetrics fm = g.getFontMetrics();
        var grid = new Color(230, 230, 230);
        for (double y = f.y0; y <= f.y1 + f.yStep * 1e-6; y += f.yStep) {
            int py = f.py(y);
            g.setColor(grid);
            g.drawLine(f.left, py, f.right, py);
            g.setColor(Color.BLACK);
            g.drawLine(f.left - 5, py, f.left, py);
            String s = tickLabel(y, f.yStep);
            g.drawString(s, f.left - 8 - fm.stringWidth(s), py + fm.getAscent() / 2 - 1);
        }
        for (double x = Math.ceil(f.x0 / f.xStep - 1e-9) * f.xStep; x <= f.x1 + f.xStep * 1e-6; x += f.xStep) {
            int px = f.px(x);
            g.setColor(grid);
            g.drawLine(px, f.top, px, f.bottom);
            g.setColor(Color.BLACK);
            g.drawLine(px, f.bottom, px, f.bottom + 5);
            centered(g, tickLabel(x, f.xStep), px, f.bottom + 8 + fm.getAscent());
        }
        g.setColor(Color.BLACK);
        g.drawRect(f.left, f.top, f.right - f.left, f.bottom - f.top);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        centered(g, title, width / 2, 26);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        centered(g, xLabel, (f.left + f.right) / 2, f.bottom + 42);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        centered(g, yLabel, -(f.top + f.bottom) / 2, 18);
        g.setTransform(saved);
    }

    private void drawMarkers(Graphics2D g, Frame f) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {5f, 4f}, 0f));
        for (Marker m : markers) {
            if (m.x < f.x0 || m.x > f.x1) {
                continue;
            }
            int px = f.px(m.x);
            g.setColor(Color.GRAY);
            g.drawLine(px, f.top, px, f.bottom);
            g.setColor(Color.DARK_GRAY);
            g.drawString(m.label, px + 4, f.top + 14);
        }
        g.setStroke(new BasicStroke(1f));
    }

    private void drawSeries(Graphics2D g, Frame f) {
        g.setClip(f.left - DOT_RADIUS, f.top - DOT_RADIUS, f.right - f.left + 2 * DOT_RADIUS + 1,
                f.bottom - f.top + 2 * DOT_RADIUS + 1);
        for (Series s : series) {
            g.setColor(s.color);
            g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            for (int i = 1; i < s.x.length; i++) {
                if (finite(s, i - 1) && finite(s, i)) {
                    g.draw(new Line2D.Double(f.px(s.x[i - 1]), f.py(s.y[i - 1]), f.px(s.x[i]), f.py(s.y[i])));
                }
            }
            int[] finite = finiteIndices(s);
            for (int i : finite) {
                boolean isolated = (i == 0 || !finite(s, i - 1)) && (i == s.x.length - 1 || !finite(s, i + 1));
                if (finite.length > MAX_DOTS && !isolated) {
                    continue;
                }
                g.fill(new Ellipse2D.Double(f.px(s.x[i]) - DOT_RADIUS, f.py(s.y[i]) - DOT_RADIUS, 2 * DOT_RADIUS,
                        2 * DOT_RADIUS));
            }
        }
        g.setClip(null);
        g.setStroke(new BasicStroke(1f));
    }

    private static boolean finite(Series s, int i) {
        return Double.isFinite(s.x[i]) && Double.isFinite(s.y[i]);
    }

    /** The legend: one row under the x-axis label, so it never hides a point. */
    private void drawLegend(Graphics2D g, Frame f) {
        if (series.isEmpty()) {
            return;
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        int entryGap = 18;
        int total = series.stream().mapToInt(s -> 26 + fm.stringWidth(s.name)).sum() + entryGap * (series.size() - 1);
        int x = Math.max(4, (f.left + f.right) / 2 - total / 2);
        int cy = height - 14;
        for (Series s : series) {
            g.setColor(s.color);
            g.setStroke(new BasicStroke(2f));
            g.drawLine(x, cy, x + 20, cy);
            g.setStroke(new BasicStroke(1f));
            g.setColor(Color.BLACK);
            g.drawString(s.name, x + 26, cy + fm.getAscent() / 2 - 1);
            x += 26 + fm.stringWidth(s.name) + entryGap;
        }
    }

    private static void centered(Graphics2D g, String s, int cx, int baseline) {
        g.drawString(s, cx - g.getFontMetrics().stringWidth(s) / 2, baseline);
    }

    /** Renders and writes the chart as PNG, atomically. */
    public void write(Path file) {
        var bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(render(), "png", bytes)) {
                throw new IllegalStateException(file + ": no PNG writer in this Java runtime");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot encode the plot as PNG: " + e.getMessage(), e);
        }
        AtomicFiles.write(file, bytes.toByteArray());
    }
}
