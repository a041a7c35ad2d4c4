package org.fkt.augment;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * torchvision's ColorJitter as SimCLR configures it, {@code ColorJitter(0.8 s, 0.8 s, 0.8 s, 0.2 s)}:
 * brightness, contrast and saturation factors uniform in [max(0, 1 - 0.8 s), 1 + 0.8 s], hue factor
 * uniform in [-0.2 s, 0.2 s], applied in a random order (torch.randperm(4) in get_params).
 */
public final class ColorJitter {
    /** The four ops in torchvision's numbering (fn_idx values). */
    public static final int BRIGHTNESS = 0;
    public static final int CONTRAST = 1;
    public static final int SATURATION = 2;
    public static final int HUE = 3;

    private ColorJitter() {
    }

    /** One draw: the order of the four ops and their factors. */
    public record Params(int[] order, float brightness, float contrast, float saturation, float hue) {
        public Params {
            int[] sorted = order.clone();
            Arrays.sort(sorted);
            if (!Arrays.equals(sorted, new int[] {0, 1, 2, 3})) {
                throw new IllegalArgumentException("color jitter: order must be a permutation of 0..3, got " + Arrays.toString(order));
            }
            order = order.clone();
        }

        @Override
        public int[] order() {
            return order.clone();
        }
    }

    /** Draws the parameters for strength {@code s} (0 < s <= 2.5, so the hue range stays within [-0.5, 0.5]). */
    public static Params sample(double strength, RandomGenerator random) {
        checkStrength(strength);
        int[] order = {0, 1, 2, 3};
        for (int i = 3; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double d = 0.8 * strength;
        double lo = Math.max(0.0, 1.0 - d);
        float b = (float) Crops.uniform(random, lo, 1.0 + d);
        float c = (float) Crops.uniform(random, lo, 1.0 + d);
        float s = (float) Crops.uniform(random, lo, 1.0 + d);
        float h = (float) Crops.uniform(random, -0.2 * strength, 0.2 * strength);
        return new Params(order, b, c, s, h);
    }

    /** Applies the four ops in {@code p.order()} to a planar (3, h, w) image of {@code plane} pixels per channel. */
    public static void apply(float[] img, int plane, Params p) {
        for (int op : p.order) {
            switch (op) {
                case BRIGHTNESS -> Color.brightness(img, plane, p.brightness());
                case CONTRAST -> Color.contrast(img, plane, p.contrast());
                case SATURATION -> Color.saturation(img, plane, p.saturation());
                default -> Color.hue(img, plane, p.hue());
            }
        }
    }

    static void checkStrength(double strength) {
        if (!(strength > 0 && strength <= 2.5)) {
            throw new IllegalArgumentException("color jitter strength must be in (0, 2.5] (hue 0.2 s within 0.5), got " + strength);
        }
    }
}
