package org.fkt.augment;

import java.util.Arrays;

/**
 * Per-channel normalisation {@code (x - mean[c]) / std[c]} of an image in [0, 1], computed in float32
 * as torchvision's {@code normalize} does.
 */
public record Normalization(String name, double[] mean, double[] std) {
    /** CIFAR-10 training set statistics (the exact standard deviations, not the often-copied 0.2023, 0.1994, 0.2010). */
    public static final Normalization CIFAR10 =
            new Normalization("cifar10", new double[] {0.4914, 0.4822, 0.4465}, new double[] {0.2470, 0.2435, 0.2616});
    /** ImageNet statistics used by torchvision's pretrained models. */
    public static final Normalization IMAGENET =
            new Normalization("imagenet", new double[] {0.485, 0.456, 0.406}, new double[] {0.229, 0.224, 0.225});
    /** The identity: values stay in [0, 1]. */
    public static final Normalization NONE =
            new Normalization("none", new double[] {0, 0, 0}, new double[] {1, 1, 1});

    public Normalization {
        if (mean == null || std == null || mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("normalization " + name + ": needs 3 means and 3 standard deviations, got "
                    + Arrays.toString(mean) + " and " + Arrays.toString(std));
        }
        for (double s : std) {
            if (!(s > 0) || !Double.isFinite(s)) {
                throw new IllegalArgumentException("normalization " + name + ": standard deviations must be positive, got "
                        + Arrays.toString(std));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** CIFAR10, IMAGENET or NONE by name (case-insensitive). */
    public static Normalization named(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "cifar10", "cifar" -> CIFAR10;
            case "imagenet" -> IMAGENET;
            case "none" -> NONE;
            default -> throw new IllegalArgumentException("unknown normalization '" + name
                    + "': expected cifar10, imagenet or none");
        };
    }

    @Override
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public double[] std() {
        return std.clone();
    }

    /**
     * Writes {@code (src - mean) / std} of a planar (3, H, W) image of {@code plane = H * W} pixels
     * per channel into {@code dst} at {@code offset}.
     */
    public void apply(float[] src, int plane, float[] dst, int offset) {
        for (int c = 0; c < 3; c++) {
            float m = (float) mean[c];
            float s = (float) std[c];
            int base = c * plane;
            for (int i = 0; i < plane; i++) {
                dst[offset + base + i] = (src[base + i] - m) / s;
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization n && name.equals(n.name) && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(mean) * 7 + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return name + "(mean " + Arrays.toString(mean) + ", std " + Arrays.toString(std) + ")";
    }
}
