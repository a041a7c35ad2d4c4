package org.fkt.augment;

/** Mirror flips of a planar float (3, h, w) image, in place (torchvision's hflip and vflip). */
public final class Flip {
    private Flip() {
    }

    /** Reverses every row (left-right). */
    public static void horizontal(float[] img, int h, int w) {
        for (int row = 0; row < 3 * h; row++) {
            int a = row * w;
            int b = a + w - 1;
            while (a < b) {
                float t = img[a];
                img[a++] = img[b];
                img[b--] = t;
            }
        }
    }

    /** Reverses the row order of every channel (top-bottom). */
    public static void vertical(float[] img, int h, int w) {
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h / 2; y++) {
                int a = (c * h + y) * w;
                int b = (c * h + h - 1 - y) * w;
                for (int x = 0; x < w; x++) {
                    float t = img[a + x];
                    img[a + x] = img[b + x];
                    img[b + x] = t;
                }
            }
        }
    }
}
