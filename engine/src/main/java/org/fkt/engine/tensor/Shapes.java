package org.fkt.engine.tensor;

/** Small helpers for shapes: element counts, contiguous strides, and printing as "(N, C, H, W)". */
public final class Shapes {
    private Shapes() {
    }

    /** Product of the dimensions (1 for a scalar). */
    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Row-major strides, in elements. */
    public static long[] contiguousStrides(int[] shape) {
        long[] strides = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= shape[i];
        }
        return strides;
    }

    /** "(8, 64, 56, 56)"; "()" for a scalar. */
    public static String toString(int[] shape) {
        var sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i]);
        }
        return sb.append(')').toString();
    }

    /** Checks every dimension is non-negative; returns a defensive copy. */
    public static int[] checked(int[] shape) {
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + toString(shape));
            }
        }
        return shape.clone();
    }
}
