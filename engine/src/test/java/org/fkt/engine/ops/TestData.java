package org.fkt.engine.ops;

import java.util.Random;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;

/** Random test tensors from one seeded generator per test (the seed is printed for reproduction). */
final class TestData {
    final Random random;
    final long seed;

    TestData(String test) {
        this.seed = System.nanoTime();
        this.random = new Random(seed);
        System.out.println(test + ": seed " + seed);
    }

    /** Normal(0, scale) values as a tensor of {@code type}. */
    Tensor normal(DType type, double scale, int... shape) {
        Tensor t = Tensor.empty(type, Device.CPU, shape);
        double[] v = new double[(int) t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian() * scale;
        }
        set(t, v);
        return t;
    }

    /** Uniform values in [lo, hi). */
    Tensor uniform(DType type, double lo, double hi, int... shape) {
        Tensor t = Tensor.empty(type, Device.CPU, shape);
        double[] v = new double[(int) t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * random.nextDouble();
        }
        set(t, v);
        return t;
    }

    Tensor labels(int n, int classes) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = random.nextInt(classes);
        }
        return Tensor.of(v, n);
    }

    /** Writes doubles into a float32 or float64 tensor. */
    static void set(Tensor t, double[] v) {
        if (t.dtype() == DType.FLOAT64) {
            t.copyFrom(v);
        } else {
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
            }
            t.copyFrom(f);
        }
    }
}
