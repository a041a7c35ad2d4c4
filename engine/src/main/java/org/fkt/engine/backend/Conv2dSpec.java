package org.fkt.engine.backend;

/**
 * Geometry of a 2-D convolution without bias, dilation or groups: square stride and zero padding
 * applied to both spatial axes. Weights are (K, C, R, S), inputs (N, C, H, W), outputs (N, K, P, Q).
 */
public record Conv2dSpec(int stride, int padding) {
    public Conv2dSpec {
        if (stride < 1 || padding < 0) {
            throw new IllegalArgumentException("conv2d: stride must be >= 1 and padding >= 0, got stride "
                    + stride + ", padding " + padding);
        }
    }

    /** Output extent along one axis for input extent {@code in} and kernel extent {@code kernel}. */
    public int outputSize(int in, int kernel) {
        return (in + 2 * padding - kernel) / stride + 1;
    }
}
