package org.fkt.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import org.fkt.data.Image;
import org.junit.jupiter.api.Test;

/** The random parameters' distributions, the pipelines' determinism and their argument checks. */
class AugmentationTest {
    private static final int DRAWS = 20000;

    @Test
    void randomResizedCropBoxesFollowTheScaleAndRatioRanges() {
        int h = 200;
        int w = 200;
        var random = new SplittableRandom(7);
        double sumFraction = 0;
        double minFraction = 1;
        double maxFraction = 0;
        double sumTop = 0;
        int counted = 0;
        for (int i = 0; i < DRAWS; i++) {
            CropBox b = Crops.randomResized(h, w, 0.08, 1.0, 3.0 / 4, 4.0 / 3, random);
            assertTrue(b.inside(h, w), "box " + b + " outside the image");
            double fraction = (double) b.height() * b.width() / (h * w);
            double ratio = (double) b.width() / b.height();
            // rounding each side to an integer moves the area and ratio by at most about 1/side
            assertTrue(fraction >= 0.08 * 0.9 && fraction <= 1.0, "area fraction " + fraction);
            assertTrue(ratio >= 0.75 * 0.95 && ratio <= 4.0 / 3 * 1.05, "aspect ratio " + ratio);
            sumFraction += fraction;
            minFraction = Math.min(minFraction, fraction);
            maxFraction = Math.max(maxFraction, fraction);
            if (b.height() < h) {
                sumTop += (double) b.top() / (h - b.height());
                counted++;
            }
        }
        // A square accepts fraction s when the log-uniform ratio r keeps both sides inside: |log r| <= -log s.
        // The accepted draw has density proportional to a(s) = min(1, -log s / log(4/3)) on [0.08, 1].
        double num = 0;
        double den = 0;
        int steps = 200000;
        for (int i = 0; i < steps; i++) {
            double s = 0.08 + (i + 0.5) * (0.92 / steps);
            double a = Math.min(1.0, -Math.log(s) / Math.log(4.0 / 3));
            num += s * a;
            den += a;
        }
        double expected = num / den;
        double mean = sumFraction / DRAWS;
        assertEquals(expected, mean, 0.01, "mean area fraction of the accepted crops");
        assertTrue(minFraction < 0.1 && maxFraction > 0.95, "fractions span " + minFraction + ".." + maxFraction);
        assertEquals(0.5, sumTop / counted, 0.02, "crop position is uniform (mean relative top)");
    }

    @Test
    void randomResizedCropFallsBackToTheCentralCropClampedToTheRatio() {
        var random = new SplittableRandom(3);
        // 10 x 200: no box of area >= 8 % (160 px) with ratio <= 4/3 fits in 10 rows, so every attempt fails
        assertEquals(new CropBox(0, (200 - 13) / 2, 10, 13), Crops.randomResized(10, 200, 0.08, 1, 0.75, 4.0 / 3, random));
        assertEquals(new CropBox((200 - 13) / 2, 0, 13, 10), Crops.randomResized(200, 10, 0.08, 1, 0.75, 4.0 / 3, random));
        assertEquals(new CropBox(0, 0, 30, 31), Crops.fallback(30, 31, 0.75, 4.0 / 3));
    }

    @Test
    void flipHappensHalfTheTime() {
        Image image = TorchvisionParityTest.randomImage(new Random(1), 8, 8);
        var step = new Steps.HorizontalFlip(0.5);
        var ws = new Workspace(8);
        float[] original = TorchvisionParityTest.toFloat(image);
        int flipped = 0;
        for (int i = 0; i < DRAWS; i++) {
            System.arraycopy(original, 0, ws.image, 0, original.length);
            step.apply(ws, new SplittableRandom(i));
            if (!Arrays.equals(original, ws.image)) {
                flipped++;
            }
        }
        // binomial(20000, 0.5): standard deviation 0.0035 in the rate; 5 sigma
        assertEquals(0.5, (double) flipped / DRAWS, 0.018, "flip rate");
    }

    @Test
    void grayscaleHappensOneFifthOfTheTime() {
        Image image = TorchvisionParityTest.randomImage(new Random(2), 6, 6);
        var step = new Steps.Grayscale(0.2);
        var ws = new Workspace(6);
        float[] original = TorchvisionParityTest.toFloat(image);
        int gray = 0;
        for (int i = 0; i < DRAWS; i++) {
            System.arraycopy(original, 0, ws.image, 0, original.length);
            step.apply(ws, new SplittableRandom(i + 1000003L));
            if (Arrays.equals(ws.image, 0, 36, ws.image, 36, 72)) {
                gray++;
            }
        }
        assertEquals(0.2, (double) gray / DRAWS, 0.015, "grayscale rate");
    }

    @Test
    void colourJitterFactorsAndOrderAreUniform() {
        var random = new SplittableRandom(11);
        double[] sum = new double[4];
        double[] min = {9, 9, 9, 9};
        double[] max = {-9, -9, -9, -9};
        Map<String, Integer> orders = new HashMap<>();
        for (int i = 0; i < DRAWS; i++) {
            ColorJitter.Params p = ColorJitter.sample(1.0, random);
            double[] f = {p.brightness(), p.contrast(), p.saturation(), p.hue()};
            for (int k = 0; k < 4; k++) {
                sum[k] += f[k];
                min[k] = Math.min(min[k], f[k]);
                max[k] = Math.max(max[k], f[k]);
            }
            orders.merge(Arrays.toString(p.order()), 1, Integer::sum);
        }
        double[] lo = {0.2, 0.2, 0.2, -0.2};
        double[] hi = {1.8, 1.8, 1.8, 0.2};
        for (int k = 0; k < 4; k++) {
            assertTrue(min[k] >= lo[k] && max[k] <= hi[k], "factor " + k + " range " + min[k] + ".." + max[k]);
            assertTrue(min[k] < lo[k] + 0.01 && max[k] > hi[k] - 0.01, "factor " + k + " covers its range");
            // uniform on a width-1.6 (0.4) interval: sd of the mean 0.0033 (0.0008); 5 sigma
            assertEquals((lo[k] + hi[k]) / 2, sum[k] / DRAWS, k < 3 ? 0.017 : 0.0041, "mean of factor " + k);
        }
        assertEquals(24, orders.size(), "every order of the four ops occurs");
        for (var e : orders.entrySet()) {
            // expected 833 each; binomial sd 28
            assertEquals(DRAWS / 24.0, e.getValue(), 150, "order " + e.getKey());
        }
    }

    @Test
    void jitterAppliesWithProbabilityPointEight() {
        Image image = TorchvisionParityTest.randomImage(new Random(3), 6, 6);
        var step = new Steps.Jitter(0.8, 1.0);
        var ws = new Workspace(6);
        float[] original = TorchvisionParityTest.toFloat(image);
        int changed = 0;
        int n = 5000;
        for (int i = 0; i < n; i++) {
            System.arraycopy(original, 0, ws.image, 0, original.length);
            step.apply(ws, new SplittableRandom(i + 77));
            if (!Arrays.equals(original, ws.image)) {
                changed++;
            }
        }
        assertEquals(0.8, (double) changed / n, 0.03, "jitter rate");
    }

    @Test
    void blurKernelSizesAndReflection() {
        assertEquals(3, GaussianBlur.kernelSize(32));
        assertEquals(23, GaussianBlur.kernelSize(224));
        assertEquals(1, GaussianBlur.kernelSize(9));
        float[] k = GaussianBlur.kernel(7, 1.5);
        double total = 0;
        for (int i = 0; i < k.length; i++) {
            total += k[i];
            assertEquals(k[i], k[k.length - 1 - i], 0, "kernel symmetric");
        }
        assertEquals(1.0, total, 1e-6);
        // reflect about the edge sample: ... 2 1 | 0 1 2 3 | 2 1 ...
        assertArrayEquals(new int[] {2, 1, 0, 1, 2, 3, 2, 1}, GaussianBlur.reflectIndices(4, 2));
        assertArrayEquals(new int[] {0, 0, 0}, GaussianBlur.reflectIndices(1, 1));
        assertThrows(IllegalArgumentException.class, () -> GaussianBlur.kernel(4, 1.0));
    }

    @Test
    void everyNamedPipelineIsDeterministicGivenItsGenerator() {
        Image small = TorchvisionParityTest.randomImage(new Random(4), 32, 32);
        Image large = TorchvisionParityTest.randomImage(new Random(5), 150, 120);
        for (String name : Augmentations.NAMES) {
            for (int size : new int[] {32, 96}) {
                Augmentation a = Augmentations.named(name, size, Normalization.CIFAR10);
                assertEquals(size, a.size());
                assertTrue(a.describe().startsWith(name), a.describe());
                for (Image image : new Image[] {small, large}) {
                    int n = 3 * size * size;
                    float[] x = new float[n + 3];
                    float[] y = new float[n + 3];
                    float[] z = new float[n + 3];
                    a.apply(image, new SplittableRandom(42), x, 3);
                    a.apply(image, new SplittableRandom(42), y, 3);
                    a.apply(image, new SplittableRandom(43), z, 3);
                    assertArrayEquals(x, y, name + " " + size + ": same generator, same output");
                    assertEquals(0f, x[0] + x[1] + x[2], name + ": nothing written before the offset");
                    for (float v : x) {
                        assertTrue(Float.isFinite(v), name + ": finite output");
                    }
                    if (name.equals("eval")) {
                        assertArrayEquals(x, z, "eval uses no randomness");
                    } else {
                        assertFalse(Arrays.equals(x, z), name + " " + size + ": another generator gives another image");
                    }
                }
            }
        }
    }

    @Test
    void evalOfASquareImageIsTheNormalisedImage() {
        Image image = TorchvisionParityTest.randomImage(new Random(6), 32, 32);
        float[] out = new float[3 * 32 * 32];
        Augmentations.named("eval", 32, Normalization.IMAGENET).apply(image, new SplittableRandom(0), out, 0);
        double[] mean = Normalization.IMAGENET.mean();
        double[] std = Normalization.IMAGENET.std();
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < 32 * 32; p++) {
                float expected = (image.pixels()[p * 3 + c] & 0xff) / 255f;
                expected = (expected - (float) mean[c]) / (float) std[c];
                assertEquals(expected, out[c * 1024 + p], 0, "channel " + c + " pixel " + p);
            }
        }
    }

    @Test
    void badArgumentsAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> Augmentations.named("simclr2", 32, Normalization.NONE));
        assertTrue(e.getMessage().contains("simclr2") && e.getMessage().contains("paper-code"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Augmentations.named("eval", 0, Normalization.NONE));
        assertThrows(IllegalArgumentException.class, () -> Augmentations.named("simclr", 32, Normalization.NONE, 3.0));
        Augmentation a = Augmentations.named("eval", 8, Normalization.NONE);
        Image image = TorchvisionParityTest.randomImage(new Random(1), 8, 8);
        var e2 = assertThrows(IllegalArgumentException.class, () -> a.apply(image, new SplittableRandom(0), new float[100], 0));
        assertTrue(e2.getMessage().contains("(3, 8, 8)"), e2.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Normalization("x", new double[] {0, 0, 0}, new double[] {1, 0, 1}));
        assertEquals(Normalization.CIFAR10, Normalization.named("CIFAR10"));
    }
}
