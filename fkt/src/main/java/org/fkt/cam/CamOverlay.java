package org.fkt.cam;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.fkt.data.Image;
import org.fkt.io.AtomicFiles;

/**
 * Heatmap overlays: a jet-like colour map (dark blue at 0, through cyan, yellow, to dark red at 1)
 * blended over the original image, out = (1 - alpha) original + alpha jet(heat), and the side-by-side
 * figure "original | overlay" (a white gap of {@value #GAP} pixels between, optionally enlarged by an
 * integer factor with nearest-neighbour pixels so that 32x32 inputs are visible), written as PNG.
 */
public final class CamOverlay {
    /** Pixels between the two panels (before scaling). */
    public static final int GAP = 4;

    private CamOverlay() {
    }

    /** Jet colour of {@code v} (clamped to [0, 1]) as 0xRRGGBB. */
    public static int jet(double v) {
        double t = Math.max(0, Math.min(1, v));
        int r = channel(1.5 - Math.abs(4 * t - 3));
        int g = channel(1.5 - Math.abs(4 * t - 2));
        int b = channel(1.5 - Math.abs(4 * t - 1));
        return r << 16 | g << 8 | b;
    }

    private static int channel(double x) {
        return (int) Math.round(Math.max(0, Math.min(1, x)) * 255);
    }

    /**
     * The overlay at the image's size. {@code heatmap}: (heatH, heatW) row-major values in [0, 1],
     * resized bilinearly to the image when the sizes differ.
     */
    public static BufferedImage overlay(Image image, double[] heatmap, int heatH, int heatW, double alpha) {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("overlay: alpha must be in [0, 1], got " + alpha);
        }
        double[] heat = heatH == image.height() && heatW == image.width() ? heatmap
                : GradCam.resizeBilinear(heatmap, heatH, heatW, image.height(), image.width());
        var out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                int color = jet(heat[y * image.width() + x]);
                int rgb = 0;
                for (int c = 0; c < 3; c++) {
                    int shift = 16 - 8 * c;
                    double blended = (1 - alpha) * image.get(y, x, c) + alpha * (color >> shift & 0xff);
                    rgb |= (int) Math.round(blended) << shift;
                }
                out.setRGB(x, y, rgb);
            }
        }
        return out;
    }

    /** The image as a BufferedImage. */
    public static BufferedImage toBufferedImage(Image image) {
        var out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                out.setRGB(x, y, image.get(y, x, 0) << 16 | image.get(y, x, 1) << 8 | image.get(y, x, 2));
            }
        }
        return out;
    }

    /**
     * "original | overlay", each panel enlarged {@code scale} times (nearest neighbour):
     * (H * scale) x ((2 W + GAP) * scale) pixels.
     */
    public static BufferedImage sideBySide(Image image, double[] heatmap, int heatH, int heatW, double alpha, int scale) {
        if (scale < 1) {
            throw new IllegalArgumentException("overlay: scale must be >= 1, got " + scale);
        }
        BufferedImage left = toBufferedImage(image);
        BufferedImage right = overlay(image, heatmap, heatH, heatW, alpha);
        int w = image.width();
        int h = image.height();
        var out = new BufferedImage((2 * w + GAP) * scale, h * scale, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h * scale; y++) {
            for (int x = 0; x < out.getWidth(); x++) {
                int sx = x / scale;
                int sy = y / scale;
                int rgb = sx < w ? left.getRGB(sx, sy) : sx >= w + GAP ? right.getRGB(sx - w - GAP, sy) : 0xffffff;
                out.setRGB(x, y, rgb);
            }
        }
        return out;
    }

    /** Writes {@code image} as PNG, atomically. */
    public static void writePng(Path file, BufferedImage image) {
        var bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", bytes)) {
                throw new IllegalStateException(file + ": no PNG writer in this Java runtime");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot encode the PNG: " + e.getMessage(), e);
        }
        AtomicFiles.write(file, bytes.toByteArray());
    }
}
