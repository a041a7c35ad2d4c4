package org.fkt.augment;

/** A crop rectangle in source pixels: rows [top, top + height), columns [left, left + width). */
public record CropBox(int top, int left, int height, int width) {
    public CropBox {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("crop box: size must be positive, got " + height + "x" + width);
        }
    }

    /** Whether the box lies inside an image of {@code imageHeight} x {@code imageWidth}. */
    public boolean inside(int imageHeight, int imageWidth) {
        return top >= 0 && left >= 0 && top + height <= imageHeight && left + width <= imageWidth;
    }
}
