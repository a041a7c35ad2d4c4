package org.fkt.augment;

import java.util.random.RandomGenerator;

/**
 * Crop geometry: torchvision's RandomResizedCrop parameter rule, the centre crop and the
 * shorter-side resize of {@code Resize(int)}. Python's {@code round} (half to even) is {@link Math#rint}.
 */
public final class Crops {
    /** SimCLR's (and torchvision's default) scale range of the crop area. */
    public static final double SCALE_MIN = 0.08;
    public static final double SCALE_MAX = 1.0;
    /** torchvision's default aspect-ratio range, sampled log-uniformly. */
    public static final double RATIO_MIN = 3.0 / 4.0;
    public static final double RATIO_MAX = 4.0 / 3.0;

    private Crops() {
    }

    /**
     * RandomResizedCrop.get_params: up to 10 attempts of area fraction ~ U(scaleMin, scaleMax) and
     * log aspect ratio ~ U(log ratioMin, log ratioMax); the first box that fits is placed uniformly.
     * If none fits, the central crop of the whole image clamped to the ratio range.
     */
    public static CropBox randomResized(int height, int width, double scaleMin, double scaleMax, double ratioMin,
            double ratioMax, RandomGenerator random) {
        if (!(0 < scaleMin && scaleMin <= scaleMax) || !(0 < ratioMin && ratioMin <= ratioMax)) {
            throw new IllegalArgumentException("random resized crop: need 0 < scale min <= max and 0 < ratio min <= max, got scale ("
                    + scaleMin + ", " + scaleMax + ") ratio (" + ratioMin + ", " + ratioMax + ")");
        }
        double area = (double) height * width;
        double logMin = Math.log(ratioMin);
        double logMax = Math.log(ratioMax);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * uniform(random, scaleMin, scaleMax);
            double aspect = Math.exp(uniform(random, logMin, logMax));
            int w = (int) Math.rint(Math.sqrt(target * aspect));
            int h = (int) Math.rint(Math.sqrt(target / aspect));
            if (0 < w && w <= width && 0 < h && h <= height) {
                int top = random.nextInt(height - h + 1);
                int left = random.nextInt(width - w + 1);
                return new CropBox(top, left, h, w);
            }
        }
        return fallback(height, width, ratioMin, ratioMax);
    }

    /** The box RandomResizedCrop uses after 10 failed attempts. */
    public static CropBox fallback(int height, int width, double ratioMin, double ratioMax) {
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < ratioMin) {
            w = width;
            h = (int) Math.rint(w / ratioMin);
        } else if (inRatio > ratioMax) {
            h = height;
            w = (int) Math.rint(h * ratioMax);
        } else {
            w = width;
            h = height;
        }
        return new CropBox((height - h) / 2, (width - w) / 2, h, w);
    }

    /** torchvision's center_crop box of size (cropH, cropW) inside (height, width); the crop must fit. */
    public static CropBox center(int height, int width, int cropH, int cropW) {
        if (cropH > height || cropW > width) {
            throw new IllegalArgumentException("center crop: " + cropH + "x" + cropW + " does not fit in " + height + "x" + width);
        }
        int top = (int) Math.rint((height - cropH) / 2.0);
        int left = (int) Math.rint((width - cropW) / 2.0);
        return new CropBox(top, left, cropH, cropW);
    }

    /** The (height, width) {@code Resize(size)} gives: shorter side = size, longer side scaled and truncated. */
    public static int[] shorterSide(int height, int width, int size) {
        if (height <= width) {
            return new int[] {size, (int) ((long) size * width / height)};
        }
        return new int[] {(int) ((long) size * height / width), size};
    }

    static double uniform(RandomGenerator random, double lo, double hi) {
        return lo + (hi - lo) * random.nextDouble();
    }
}
