package org.fkt.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** loss.png and accuracy.png: valid PNGs of the right size with each curve's points where the data put them. */
class PlotsTest {
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private static BufferedImage readPng(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(bytes, 8), file + " does not start with the PNG signature");
        BufferedImage image = ImageIO.read(file.toFile());
        assertNotNull(image, file + " is not decodable");
        return image;
    }

    private static int rgb(BufferedImage image, int x, int y) {
        return image.getRGB(x, y) & 0xffffff;
    }

    @Test
    void lossCurvesPutEachPointWhereItsValueIs(@TempDir Path dir) throws IOException {
        var h = new History();
        double[] contrastive = {6.0, 5.2, 4.9, 4.1, 3.7, 3.6};
        for (int e = 1; e <= contrastive.length; e++) {
            h.add(EpochRow.builder("pretrain", e).loss(contrastive[e - 1], contrastive[e - 1], null).build());
        }
        Plots.writeAll(h, dir);
        BufferedImage image = readPng(dir.resolve(Plots.LOSS_FILE));
        assertEquals(800, image.getWidth());
        assertEquals(480, image.getHeight());

        LinePlot plot = Plots.loss(h);
        LinePlot.Frame f = plot.frame();
        assertTrue(f.y0() <= 3.6 && f.y1() >= 6.0, "the y range covers the data: " + f);
        // "total" is drawn first, then "contrastive" over it with the same values: its colour is on top
        int color = LinePlot.color(1).getRGB() & 0xffffff;
        for (int e = 1; e <= contrastive.length; e++) {
            assertEquals(color, rgb(image, f.px(e), f.py(contrastive[e - 1])), "epoch " + e + " point");
        }
        assertTrue(f.py(6.0) < f.py(3.6), "a higher loss is higher on the image");
        // far from the curve (top right of the plot area) there is no curve colour
        assertFalse(rgb(image, f.px(6) - 2, f.py(6.0)) == color);
        assertTrue(Files.exists(dir.resolve(Plots.ACCURACY_FILE)), "accuracy.png is written too");
    }

    @Test
    void accuracyIsPlottedInPercentAndGapsAreNotBridged(@TempDir Path dir) throws IOException {
        var h = new History();
        Double[] test = {0.30, 0.45, null, 0.62, 0.70};
        for (int e = 1; e <= test.length; e++) {
            h.add(EpochRow.builder("joint", e).accuracy(null, test[e - 1]).build());
        }
        LinePlot plot = Plots.accuracy(h);
        plot.write(dir.resolve("a.png"));
        BufferedImage image = readPng(dir.resolve("a.png"));
        LinePlot.Frame f = plot.frame();
        int color = LinePlot.color(0).getRGB() & 0xffffff;   // "train" is absent, so "test" is the first series
        for (int e : new int[] {1, 2, 4, 5}) {
            assertEquals(color, rgb(image, f.px(e), f.py(test[e - 1] * 100)), "epoch " + e);
        }
        // no line across the missing epoch 3: the midpoint of 2 -> 4 stays background
        int mx = f.px(3);
        int my = f.py((test[1] + test[3]) * 50);
        for (int dy = -2; dy <= 2; dy++) {
            assertFalse(rgb(image, mx, my + dy) == color, "gap at epoch 3 is bridged");
        }
        // the segment 1 -> 2 is drawn: its midpoint carries the colour (antialiased line, 2 px wide)
        assertTrue(near(image, f.px(1.5), f.py((test[0] + test[1]) * 50), LinePlot.color(0), 1, 60),
                "segment 1 -> 2 is missing");
    }

    private static boolean near(BufferedImage image, int x, int y, Color c, int radius, int tolerance) {
        for (int dx = -radius; dx <= radius; dx++) {
            for (int dy = -radius; dy <= radius; dy++) {
                var p = new Color(image.getRGB(x + dx, y + dy));
                if (Math.abs(p.getRed() - c.getRed()) + Math.abs(p.getGreen() - c.getGreen())
                        + Math.abs(p.getBlue() - c.getBlue()) <= tolerance) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void stagesAreLaidEndToEnd(@TempDir Path dir) throws IOException {
        var h = new History();
        for (int e = 1; e <= 3; e++) {
            h.add(EpochRow.builder("pretrain", e).loss(5.0 - e, 5.0 - e, null).build());
        }
        for (int e = 1; e <= 2; e++) {
            h.add(EpochRow.builder("finetune", e).loss(1.0 / e, null, 1.0 / e).accuracy(0.5, 0.4 + 0.1 * e).build());
        }
        assertEquals(4.0, Plots.x(h, 3), "finetune epoch 1 is the 4th point");
        LinePlot plot = Plots.loss(h);
        plot.write(dir.resolve("l.png"));
        BufferedImage image = readPng(dir.resolve("l.png"));
        LinePlot.Frame f = plot.frame();
        assertEquals(1, f.x0());
        assertEquals(5, f.x1());
        int supervised = LinePlot.color(2).getRGB() & 0xffffff;
        assertEquals(supervised, rgb(image, f.px(4), f.py(1.0)));
        assertEquals(supervised, rgb(image, f.px(5), f.py(0.5)));
        // "total" is not joined across the pretrain -> finetune boundary (x 3 -> 4, loss 2 -> 1)
        int total = LinePlot.color(0).getRGB() & 0xffffff;
        for (double x : new double[] {3.25, 3.75}) {
            int py = f.py(2 - (x - 3));
            for (int dy = -2; dy <= 2; dy++) {
                assertFalse(rgb(image, f.px(x), py + dy) == total, "a line crosses the stage boundary at x " + x);
            }
        }
    }

    @Test
    void emptyAndAllNaNHistoriesStillGiveValidImages(@TempDir Path dir) throws IOException {
        Plots.writeAll(new History(), dir);
        assertEquals(800, readPng(dir.resolve(Plots.LOSS_FILE)).getWidth());
        assertEquals(480, readPng(dir.resolve(Plots.ACCURACY_FILE)).getHeight());
        var h = new History();
        h.add(EpochRow.builder("joint", 1).loss(Double.NaN, Double.NaN, Double.POSITIVE_INFINITY).build());
        LinePlot plot = Plots.loss(h);
        assertFalse(plot.hasData());
        plot.size(320, 240).write(dir.resolve("nan.png"));
        BufferedImage image = readPng(dir.resolve("nan.png"));
        assertEquals(320, image.getWidth());
        assertEquals(240, image.getHeight());
    }

    @Test
    void niceTicks() {
        assertEquals(1, LinePlot.niceStep(5), 1e-12);
        assertEquals(2, LinePlot.niceStep(10), 1e-12);
        assertEquals(0.5, LinePlot.niceStep(2.4), 1e-12);
        assertEquals(20, LinePlot.niceStep(99), 1e-12);
    }
}
