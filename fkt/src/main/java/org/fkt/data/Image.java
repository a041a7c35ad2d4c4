package org.fkt.data;

/**
 * One decoded RGB image as unsigned bytes, row-major (H, W, 3): the pixel at (y, x), channel c is
 * {@code pixels[(y * width + x) * 3 + c] & 0xff}. Images are stored this way in every cache; the
 * augmentation turns them into float (3, S, S) tensors.
 */
public record Image(int height, int width, byte[] pixels) {   // pixels: (H, W, 3)
    public Image {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image: size must be positive, got " + height + "x" + width);
        }
        if (pixels == null || pixels.length != height * width * 3) {
            throw new IllegalArgumentException("image: " + height + "x" + width + "x3 needs " + height * width * 3
                    + " bytes, got " + (pixels == null ? "null" : pixels.length));
        }
    }

    /** Channel c of pixel (y, x) as 0..255. */
    public int get(int y, int x, int c) {
        return pixels[(y * width + x) * 3 + c] & 0xff;
    }
}
