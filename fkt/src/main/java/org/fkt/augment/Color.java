package org.fkt.augment;

/**
 * Colour operations on a planar float (3, h, w) image in [0, 1], in place, with the semantics of
 * torchvision 0.14's tensor functions on float input: {@code adjust_brightness}, {@code adjust_contrast},
 * {@code adjust_saturation}, {@code adjust_hue} (through RGB -> HSV -> RGB as {@code _rgb2hsv} /
 * {@code _hsv2rgb}) and {@code rgb_to_grayscale} with ITU-R 601 luma weights (0.2989, 0.587, 0.114).
 * Blends clamp to [0, 1]; arithmetic is float32 like the reference.
 */
public final class Color {
    static final float LUMA_R = 0.2989f;
    static final float LUMA_G = 0.587f;
    static final float LUMA_B = 0.114f;

    private Color() {
    }

    /** {@code clamp(factor * img, 0, 1)}. */
    public static void brightness(float[] img, int plane, float factor) {
        requireNonNegative("brightness", factor);
        for (int i = 0; i < 3 * plane; i++) {
            img[i] = clamp(factor * img[i]);
        }
    }

    /** {@code clamp(factor * img + (1 - factor) * mean(gray(img)), 0, 1)}, the mean over the whole image. */
    public static void contrast(float[] img, int plane, float factor) {
        requireNonNegative("contrast", factor);
        double sum = 0;
        for (int i = 0; i < plane; i++) {
            sum += luma(img[i], img[plane + i], img[2 * plane + i]);
        }
        float mean = (float) (sum / plane);
        float rest = (1.0f - factor) * mean;
        for (int i = 0; i < 3 * plane; i++) {
            img[i] = clamp(factor * img[i] + rest);
        }
    }

    /** {@code clamp(factor * img + (1 - factor) * gray(img), 0, 1)}, per pixel. */
    public static void saturation(float[] img, int plane, float factor) {
        requireNonNegative("saturation", factor);
        float rest = 1.0f - factor;
        for (int i = 0; i < plane; i++) {
            float gray = luma(img[i], img[plane + i], img[2 * plane + i]);
            float g = rest * gray;
            img[i] = clamp(factor * img[i] + g);
            img[plane + i] = clamp(factor * img[plane + i] + g);
            img[2 * plane + i] = clamp(factor * img[2 * plane + i] + g);
        }
    }

    /** Rotates the hue by {@code factor} turns, factor in [-0.5, 0.5]. */
    public static void hue(float[] img, int plane, float factor) {
        if (!(factor >= -0.5f && factor <= 0.5f)) {
            throw new IllegalArgumentException("hue factor " + factor + " is not in [-0.5, 0.5]");
        }
        for (int i = 0; i < plane; i++) {
            float r = img[i];
            float g = img[plane + i];
            float b = img[2 * plane + i];
            // _rgb2hsv
            float maxc = Math.max(r, Math.max(g, b));
            float minc = Math.min(r, Math.min(g, b));
            boolean eqc = maxc == minc;
            float cr = maxc - minc;
            float s = cr / (eqc ? 1.0f : maxc);
            float crDiv = eqc ? 1.0f : cr;
            float rc = (maxc - r) / crDiv;
            float gc = (maxc - g) / crDiv;
            float bc = (maxc - b) / crDiv;
            float h;
            if (maxc == r) {
                h = bc - gc;
            } else if (maxc == g) {
                h = 2.0f + rc - bc;
            } else {
                h = 4.0f + gc - rc;
            }
            h = fmod(h / 6.0f + 1.0f);
            // shift, then _hsv2rgb
            h = floorMod(h + factor);
            float v = maxc;
            float h6 = h * 6.0f;
            float fi = (float) Math.floor(h6);
            float f = h6 - fi;
            int sector = Math.floorMod((int) fi, 6);
            float p = clamp(v * (1.0f - s));
            float q = clamp(v * (1.0f - s * f));
            float t = clamp(v * (1.0f - s * (1.0f - f)));
            switch (sector) {
                case 0 -> set(img, plane, i, v, t, p);
                case 1 -> set(img, plane, i, q, v, p);
                case 2 -> set(img, plane, i, p, v, t);
                case 3 -> set(img, plane, i, p, q, v);
                case 4 -> set(img, plane, i, t, p, v);
                default -> set(img, plane, i, v, p, q);
            }
        }
    }

    /** Replaces every channel by the luma {@code 0.2989 r + 0.587 g + 0.114 b} (3 equal output channels). */
    public static void grayscale(float[] img, int plane) {
        for (int i = 0; i < plane; i++) {
            float gray = luma(img[i], img[plane + i], img[2 * plane + i]);
            img[i] = gray;
            img[plane + i] = gray;
            img[2 * plane + i] = gray;
        }
    }

    static float luma(float r, float g, float b) {
        return LUMA_R * r + LUMA_G * g + LUMA_B * b;
    }

    private static void set(float[] img, int plane, int i, float r, float g, float b) {
        img[i] = r;
        img[plane + i] = g;
        img[2 * plane + i] = b;
    }

    private static float clamp(float x) {
        return x < 0f ? 0f : (x > 1f ? 1f : x);
    }

    /** torch.fmod(x, 1) for the non-negative x it is used on ({@code x - floor(x)}; Java's float % is slow). */
    private static float fmod(float x) {
        return x - (float) Math.floor(x);
    }

    /** torch.remainder(x, 1) = {@code x - floor(x)} (the sign of the divisor, as Python's %). */
    private static float floorMod(float x) {
        return x - (float) Math.floor(x);
    }

    private static void requireNonNegative(String what, float factor) {
        if (!(factor >= 0)) {
            throw new IllegalArgumentException(what + " factor " + factor + " is negative");
        }
    }
}
