package org.fkt.engine.backend;

/** Geometry of a square 2-D pooling window (padding counts as minus infinity for max-pooling). */
public record Pool2dSpec(int kernel, int stride, int padding) {
    public Pool2dSpec {
        if (kernel < 1 || stride < 1 || padding < 0 || 2 * padding > kernel) {
            throw new IllegalArgumentException("max_pool2d: need kernel >= 1, stride >= 1, 0 <= padding <= kernel/2, got kernel "
                    + kernel + ", stride " + stride + ", padding " + padding);
        }
    }

    public int outputSize(int in) {
        return (in + 2 * padding - kernel) / stride + 1;
    }
}
