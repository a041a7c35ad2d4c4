package org.fkt.augment;

/**
 * Rotation and translation of a planar float (3, h, w) image about its centre, with zero fill outside:
 * torchvision 0.14's tensor {@code affine} / {@code rotate} (no shear, scale 1). The inverse matrix is
 * {@code _get_inverse_affine_matrix}; an output pixel centre (x, y), measured from the image centre,
 * reads the source at {@code (m0 x + m1 y + m2, m3 x + m4 y + m5)} like {@code grid_sample} with
 * {@code align_corners=False}. Nearest sampling rounds half to even as {@code grid_sample} does.
 */
public final class Affine {
    private Affine() {
    }

    /**
     * The inverse 2x3 matrix of torchvision's {@code F.affine(img, angle, [tx, ty], 1, [0, 0])}
     * ({@code angle} in degrees, clockwise on screen; translation in pixels).
     */
    public static double[] inverseMatrix(double angleDegrees, double tx, double ty) {
        double rot = Math.toRadians(angleDegrees);
        double a = Math.cos(rot);
        double b = -Math.sin(rot);
        double c = Math.sin(rot);
        double d = Math.cos(rot);
        double[] m = {d, -b, 0.0, -c, a, 0.0};
        m[2] += m[0] * -tx + m[1] * -ty;
        m[5] += m[3] * -tx + m[4] * -ty;
        return m;
    }

    /** The inverse matrix of torchvision's {@code F.rotate(img, angle)} (counter-clockwise, about the centre). */
    public static double[] rotationMatrix(double angleDegrees) {
        return inverseMatrix(-angleDegrees, 0, 0);
    }

    /**
     * Warps {@code img} in place by the inverse matrix {@code m}; {@code scratch} holds 3 * h * w floats.
     * {@code bilinear} false means nearest (torchvision's default for RandomAffine and RandomRotation).
     */
    public static void warp(float[] img, int h, int w, double[] m, boolean bilinear, float[] scratch) {
        int plane = h * w;
        System.arraycopy(img, 0, scratch, 0, 3 * plane);
        for (int y = 0; y < h; y++) {
            double by = y - h * 0.5 + 0.5;
            for (int x = 0; x < w; x++) {
                double bx = x - w * 0.5 + 0.5;
                double ix = m[0] * bx + m[1] * by + m[2] + w * 0.5 - 0.5;
                double iy = m[3] * bx + m[4] * by + m[5] + h * 0.5 - 0.5;
                int o = y * w + x;
                if (bilinear) {
                    int x0 = (int) Math.floor(ix);
                    int y0 = (int) Math.floor(iy);
                    float fx = (float) (ix - x0);
                    float fy = (float) (iy - y0);
                    for (int c = 0; c < 3; c++) {
                        int base = c * plane;
                        float v00 = sample(scratch, base, h, w, y0, x0);
                        float v01 = sample(scratch, base, h, w, y0, x0 + 1);
                        float v10 = sample(scratch, base, h, w, y0 + 1, x0);
                        float v11 = sample(scratch, base, h, w, y0 + 1, x0 + 1);
                        img[base + o] = (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11);
                    }
                } else {
                    int nx = (int) Math.rint(ix);
                    int ny = (int) Math.rint(iy);
                    for (int c = 0; c < 3; c++) {
                        img[c * plane + o] = sample(scratch, c * plane, h, w, ny, nx);
                    }
                }
            }
        }
    }

    private static float sample(float[] src, int base, int h, int w, int y, int x) {
        return y >= 0 && y < h && x >= 0 && x < w ? src[base + y * w + x] : 0f;
    }
}
