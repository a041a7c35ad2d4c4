package org.fkt.cam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.fkt.data.Image;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jet colours, the blend and the "original | overlay" layout, pixel by pixel. */
class CamOverlayTest {
    @Test
    void jetRunsFromDarkBlueThroughGreenToDarkRed() {
        // r = 1.5 - |4v - 3|, g = 1.5 - |4v - 2|, b = 1.5 - |4v - 1|, clamped to [0, 1]
        assertEquals(0x000080, CamOverlay.jet(0));         // b = 0.5
        assertEquals(0x80ff80, CamOverlay.jet(0.5));       // r = 0.5, g = 1.5 -> 1, b = 0.5
        assertEquals(0x800000, CamOverlay.jet(1));         // r = 0.5
        assertEquals(0x0080ff, CamOverlay.jet(0.25));      // g = 0.5, b = 1.5 -> 1
        assertEquals(CamOverlay.jet(1), CamOverlay.jet(7));
        assertEquals(CamOverlay.jet(0), CamOverlay.jet(-1));
    }

    private static Image randomImage(int h, int w, long seed) {
        byte[] px = new byte[h * w * 3];
        new Random(seed).nextBytes(px);
        return new Image(h, w, px);
    }

    @Test
    void sideBySideIsTheOriginalAGapAndTheBlend(@TempDir Path dir) throws Exception {
        int h = 6;
        int w = 5;
        Image image = randomImage(h, w, 1);
        double[] heat = new double[h * w];
        for (int i = 0; i < heat.length; i++) {
            heat[i] = i / (heat.length - 1.0);
        }
        int scale = 3;
        double alpha = 0.4;
        BufferedImage figure = CamOverlay.sideBySide(image, heat, h, w, alpha, scale);
        assertEquals((2 * w + CamOverlay.GAP) * scale, figure.getWidth());
        assertEquals(h * scale, figure.getHeight());
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int original = image.get(y, x, 0) << 16 | image.get(y, x, 1) << 8 | image.get(y, x, 2);
                int jet = CamOverlay.jet(heat[y * w + x]);
                int blended = 0;
                for (int c = 0; c < 3; c++) {
                    int shift = 16 - 8 * c;
                    blended |= (int) Math.round((1 - alpha) * (original >> shift & 0xff) + alpha * (jet >> shift & 0xff)) << shift;
                }
                for (int dy = 0; dy < scale; dy++) {
                    for (int dx = 0; dx < scale; dx++) {
                        assertEquals(original, figure.getRGB(x * scale + dx, y * scale + dy) & 0xffffff);
                        assertEquals(blended, figure.getRGB((w + CamOverlay.GAP + x) * scale + dx, y * scale + dy) & 0xffffff);
                    }
                }
            }
            assertEquals(0xffffff, figure.getRGB(w * scale, y * scale) & 0xffffff, "the gap is white");
        }
        Path png = dir.resolve("cam.png");
        CamOverlay.writePng(png, figure);
        BufferedImage back = ImageIO.read(png.toFile());
        assertNotNull(back);
        assertEquals(figure.getWidth(), back.getWidth());
        assertEquals(figure.getRGB(7, 4), back.getRGB(7, 4));
    }

    @Test
    void aSmallerHeatmapIsResizedToTheImage() {
        Image image = randomImage(8, 8, 2);
        double[] heat = {0, 1, 1, 0};   // 2x2
        BufferedImage overlay = CamOverlay.overlay(image, heat, 2, 2, 1.0);
        double[] resized = GradCam.resizeBilinear(heat, 2, 2, 8, 8);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                assertEquals(CamOverlay.jet(resized[y * 8 + x]), overlay.getRGB(x, y) & 0xffffff);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> CamOverlay.overlay(image, heat, 2, 2, 1.5));
    }
}
