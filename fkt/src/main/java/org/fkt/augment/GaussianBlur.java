package org.fkt.augment;

/**
 * Gaussian blur of a planar float (3, h, w) image, in place: torchvision's {@code gaussian_blur}
 * (kernel {@code exp(-x^2 / (2 sigma^2))} on {@code x = -(k-1)/2 .. (k-1)/2}, normalised; reflect
 * padding by k / 2) done as two 1-D passes, which equals torchvision's 2-D kernel (an outer product).
 */
public final class GaussianBlur {
    /** SimCLR's sigma range. */
    public static final double SIGMA_MIN = 0.1;
    public static final double SIGMA_MAX = 2.0;

    private GaussianBlur() {
    }

    /** SimCLR's kernel size for an output side: 10 % of it, made odd (3 for 32, 23 for 224). */
    public static int kernelSize(int side) {
        int k = Math.max(1, (int) (0.1 * side));
        return k % 2 == 0 ? k + 1 : k;
    }

    /** The normalised 1-D kernel of odd size {@code k} and standard deviation {@code sigma}. */
    public static float[] kernel(int k, double sigma) {
        if (k <= 0 || k % 2 == 0) {
            throw new IllegalArgumentException("gaussian blur: kernel size must be odd and positive, got " + k);
        }
        if (!(sigma > 0)) {
            throw new IllegalArgumentException("gaussian blur: sigma must be positive, got " + sigma);
        }
        double half = (k - 1) * 0.5;
        double[] pdf = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            double x = (-half + i) / sigma;
            pdf[i] = Math.exp(-0.5 * x * x);
            sum += pdf[i];
        }
        float[] out = new float[k];
        for (int i = 0; i < k; i++) {
            out[i] = (float) (pdf[i] / sum);
        }
        return out;
    }

    /** Blurs {@code img} in place; {@code scratch} holds at least 3 * h * w floats. */
    public static void apply(float[] img, int h, int w, int k, double sigma, float[] scratch) {
        float[] kern = kernel(k, sigma);
        int r = k / 2;
        int[] colIndex = reflectIndices(w, r);
        int[] rowIndex = reflectIndices(h, r);
        // horizontal: each row reflect-padded into a row buffer, then out[x] += k[j] * row[x + j] (vectorisable)
        float[] row = new float[w + 2 * r];
        for (int line = 0; line < 3 * h; line++) {
            int base = line * w;
            for (int p = 0; p < row.length; p++) {
                row[p] = img[base + colIndex[p]];
            }
            for (int x = 0; x < w; x++) {
                scratch[base + x] = 0;
            }
            for (int j = 0; j < k; j++) {
                Lanes.axpy(kern[j], row, j, scratch, base, w);
            }
        }
        // vertical: scratch -> img
        for (int c = 0; c < 3; c++) {
            int plane = c * h * w;
            for (int y = 0; y < h; y++) {
                int out = plane + y * w;
                for (int x = 0; x < w; x++) {
                    img[out + x] = 0;
                }
                for (int j = 0; j < k; j++) {
                    Lanes.axpy(kern[j], scratch, plane + rowIndex[y + j] * w, img, out, w);
                }
            }
        }
    }

    /** For padded positions p in [0, n + 2r): the source index of p - r under reflect padding (no edge repeat). */
    static int[] reflectIndices(int n, int r) {
        int[] idx = new int[n + 2 * r];
        for (int p = 0; p < idx.length; p++) {
            idx[p] = reflect(p - r, n);
        }
        return idx;
    }

    /** Reflects i into [0, n) about the edge samples (period 2n - 2), as numpy's / torch's "reflect". */
    static int reflect(int i, int n) {
        if (n == 1) {
            return 0;
        }
        int period = 2 * n - 2;
        int m = Math.floorMod(i, period);
        return m < n ? m : period - m;
    }
}
