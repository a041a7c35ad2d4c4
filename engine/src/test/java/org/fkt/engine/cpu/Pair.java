package org.fkt.engine.cpu;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;

/**
 * Test support for the float32 fast paths: a float32 tensor and its float64 twin holding the same
 * values (random values are rounded to float first, so both paths see identical inputs and any
 * difference comes from the float32 arithmetic), NaN-poisoned outputs, and the comparison of a
 * float32 result against the float64 reference at atol + rtol * |reference|, where atol is scaled
 * by the largest reference magnitude.
 */
record Pair(Tensor f32, Tensor f64) {
    /** Seeded random source; the seed is printed for reproduction. */
    static Random random(String test) {
        long seed = System.nanoTime();
        System.out.println(test + ": seed " + seed);
        return new Random(seed);
    }

    /** Normal(0, scale) values, rounded to float. */
    static Pair normal(Random random, double scale, int... shape) {
        Tensor f32 = Tensor.empty(DType.FLOAT32, Device.CPU, shape);
        float[] v = new float[(int) f32.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * scale);
        }
        f32.copyFrom(v);
        return new Pair(f32, f32.to(DType.FLOAT64));
    }

    /** Uniform values in [lo, hi), rounded to float. */
    static Pair uniform(Random random, double lo, double hi, int... shape) {
        Tensor f32 = Tensor.empty(DType.FLOAT32, Device.CPU, shape);
        float[] v = new float[(int) f32.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (lo + (hi - lo) * random.nextDouble());
        }
        f32.copyFrom(v);
        return new Pair(f32, f32.to(DType.FLOAT64));
    }

    /** Outputs filled with NaN, so an element a kernel fails to write cannot pass. */
    static Pair poisoned(int... shape) {
        return new Pair(Tensor.full(Double.NaN, DType.FLOAT32, Device.CPU, shape),
                Tensor.full(Double.NaN, DType.FLOAT64, Device.CPU, shape));
    }

    /** Same values in both (for buffers that kernels read and update). */
    static Pair copyOf(Pair p) {
        return new Pair(p.f32.to(DType.FLOAT32), p.f64.to(DType.FLOAT64));
    }

    /** Fails with the first mismatches when the float32 result is not close to the float64 one. */
    void assertClose(String what, double atolScale, double rtol) {
        double[] ref = f64.toDoubleArray();
        double[] got = f32.toDoubleArray();
        double max = 0;
        for (double r : ref) {
            max = Math.max(max, Math.abs(r));
        }
        double atol = atolScale * Math.max(max, 1e-30);
        StringBuilder bad = new StringBuilder();
        int count = 0;
        for (int i = 0; i < ref.length; i++) {
            double tol = atol + rtol * Math.abs(ref[i]);
            boolean ok = Double.isNaN(ref[i]) ? Double.isNaN(got[i]) : Math.abs(got[i] - ref[i]) <= tol;
            if (!ok && count++ < 8) {
                bad.append(String.format("%n  [%d] float32 %.9g, float64 %.9g (tolerance %.3g)", i, got[i], ref[i], tol));
            }
        }
        if (count > 0) {
            fail(what + ": " + count + " of " + ref.length + " elements differ (max |reference| " + max + ")" + bad);
        }
    }
}
