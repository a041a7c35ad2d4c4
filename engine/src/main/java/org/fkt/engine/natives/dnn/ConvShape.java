// The geometry of one cuDNN convolution: NCHW float32 input, KCRS filters, symmetric padding, no dilation.
package org.fkt.engine.natives.dnn;

/**
 * One convolution as cuDNN sees it: input (n, c, h, w), filters (k, c, r, s), output (n, k, p, q).
 * {@code tf32} asks for TF32 tensor-core math; the shape (tf32 included) is the key of the algorithm cache.
 */
public record ConvShape(int n, int c, int h, int w, int k, int r, int s,
                        int strideH, int strideW, int padH, int padW, boolean tf32) {

    public ConvShape {
        if (n <= 0 || c <= 0 || h <= 0 || w <= 0 || k <= 0 || r <= 0 || s <= 0) {
            throw new IllegalArgumentException("ConvShape: sizes must be positive: " + describe(n, c, h, w, k, r, s));
        }
        if (strideH <= 0 || strideW <= 0 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("ConvShape: stride must be positive and padding non-negative: stride "
                    + strideH + "x" + strideW + ", pad " + padH + "x" + padW);
        }
        if (h + 2 * padH < r || w + 2 * padW < s) {
            throw new IllegalArgumentException("ConvShape: filter " + r + "x" + s + " larger than padded input "
                    + (h + 2 * padH) + "x" + (w + 2 * padW));
        }
    }

    /** Output height. */
    public int p() {
        return (h + 2 * padH - r) / strideH + 1;
    }

    /** Output width. */
    public int q() {
        return (w + 2 * padW - s) / strideW + 1;
    }

    private static String describe(int n, int c, int h, int w, int k, int r, int s) {
        return "x(" + n + "," + c + "," + h + "," + w + ") w(" + k + "," + c + "," + r + "," + s + ")";
    }
}
