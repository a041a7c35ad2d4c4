package org.fkt.augment;

import org.fkt.data.Image;

/**
 * Bilinear resampling of a uint8 image region into a planar float (3, outH, outW) image in [0, 1],
 * with PyTorch's antialiased bilinear filter ({@code interpolate(mode="bilinear", align_corners=False,
 * antialias=True)}, torchvision's {@code resize(..., antialias=True)} tensor path): a separable
 * triangle filter whose support widens with the downscale factor, horizontal pass first.
 *
 * <p>When upscaling (or keeping the size) this filter is exactly plain bilinear interpolation with
 * half-pixel centres and edge clamping, i.e. torchvision's default tensor path ({@code antialias=False});
 * when downscaling it averages like PIL instead of aliasing. Both cases are tested against torchvision.
 */
public final class Resample {
    private static final float[] UNIT = new float[256];   // byte value -> value / 255 in float32

    static {
        for (int i = 0; i < 256; i++) {
            UNIT[i] = i / 255.0f;
        }
    }

    private Resample() {
    }

    /** The filter taps of one axis: output i reads inputs [start[i], start[i] + count[i]) with weights[i * maxTaps + j]. */
    record Taps(int[] start, int[] count, float[] weights, int maxTaps) {
    }

    /** Taps resampling {@code in} samples to {@code out} samples (PyTorch's _compute_weights_aa). */
    static Taps taps(int in, int out) {
        double scale = (double) in / out;
        double support = scale >= 1.0 ? scale : 1.0;
        double invScale = scale >= 1.0 ? 1.0 / scale : 1.0;
        int maxTaps = (int) Math.ceil(support) * 2 + 1;
        int[] start = new int[out];
        int[] count = new int[out];
        float[] weights = new float[out * maxTaps];
        double[] w = new double[maxTaps];
        for (int i = 0; i < out; i++) {
            double center = scale * (i + 0.5);
            int xmin = Math.max((int) (center - support + 0.5), 0);
            int xsize = Math.min((int) (center + support + 0.5), in) - xmin;
            double total = 0;
            for (int j = 0; j < xsize; j++) {
                double x = Math.abs((j + xmin - center + 0.5) * invScale);
                w[j] = x < 1.0 ? 1.0 - x : 0.0;
                total += w[j];
            }
            start[i] = xmin;
            count[i] = xsize;
            for (int j = 0; j < xsize; j++) {
                weights[i * maxTaps + j] = (float) (total != 0.0 ? w[j] / total : w[j]);
            }
        }
        return new Taps(start, count, weights, maxTaps);
    }

    /**
     * Resamples {@code box} of {@code image} to (3, outH, outW) floats in [0, 1], written to {@code dst}
     * from index 0. {@code scratch} must hold 3 * box.height() * outW floats (see {@link #scratchSize}).
     */
    public static void cropResize(Image image, CropBox box, int outH, int outW, float[] dst, float[] scratch) {
        if (!box.inside(image.height(), image.width())) {
            throw new IllegalArgumentException("resample: crop " + box + " is outside the " + image.height() + "x"
                    + image.width() + " image");
        }
        int bh = box.height();
        int bw = box.width();
        if (scratch.length < scratchSize(box, outW) || dst.length < 3 * outH * outW) {
            throw new IllegalArgumentException("resample: buffers too small for " + box + " -> " + outH + "x" + outW);
        }
        byte[] px = image.pixels();
        int iw = image.width();
        Taps tx = taps(bw, outW);
        for (int y = 0; y < bh; y++) {
            int rowBase = ((box.top() + y) * iw + box.left()) * 3;
            for (int x = 0; x < outW; x++) {
                int s = tx.start[x];
                int n = tx.count[x];
                int wb = x * tx.maxTaps;
                float r = 0;
                float g = 0;
                float b = 0;
                for (int j = 0; j < n; j++) {
                    float wj = tx.weights[wb + j];
                    int p = rowBase + (s + j) * 3;
                    r += wj * UNIT[px[p] & 0xff];
                    g += wj * UNIT[px[p + 1] & 0xff];
                    b += wj * UNIT[px[p + 2] & 0xff];
                }
                scratch[y * outW + x] = r;
                scratch[(bh + y) * outW + x] = g;
                scratch[(2 * bh + y) * outW + x] = b;
            }
        }
        verticalPass(scratch, bh, outW, dst, outH);
    }

    /** Floats of scratch {@link #cropResize} needs for this box and output width. */
    public static int scratchSize(CropBox box, int outW) {
        return 3 * box.height() * outW;
    }

    /**
     * Resamples a planar float (3, h, w) image to (3, outH, outW); {@code scratch} holds 3 * h * outW floats.
     * Used when a float image changes size (the evaluation resize of a float source, tests).
     */
    public static void resize(float[] src, int h, int w, int outH, int outW, float[] dst, float[] scratch) {
        Taps tx = taps(w, outW);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                int row = (c * h + y) * w;
                for (int x = 0; x < outW; x++) {
                    int s = tx.start[x];
                    int n = tx.count[x];
                    int wb = x * tx.maxTaps;
                    float acc = 0;
                    for (int j = 0; j < n; j++) {
                        acc += tx.weights[wb + j] * src[row + s + j];
                    }
                    scratch[(c * h + y) * outW + x] = acc;
                }
            }
        }
        verticalPass(scratch, h, outW, dst, outH);
    }

    private static void verticalPass(float[] tmp, int h, int w, float[] dst, int outH) {
        Taps ty = taps(h, outH);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < outH; y++) {
                int s = ty.start[y];
                int n = ty.count[y];
                int wb = y * ty.maxTaps;
                int out = (c * outH + y) * w;
                for (int x = 0; x < w; x++) {
                    dst[out + x] = 0;
                }
                for (int j = 0; j < n; j++) {
                    Lanes.axpy(ty.weights[wb + j], tmp, (c * h + s + j) * w, dst, out, w);
                }
            }
        }
    }
}
