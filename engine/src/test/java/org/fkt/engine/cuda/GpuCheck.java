package org.fkt.engine.cuda;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.fkt.engine.backend.Backend;
import org.fkt.engine.backend.Backends;
import org.fkt.engine.backend.Conv2dSpec;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;

/**
 * Helpers of the GPU-versus-CPU tests: the skip-with-reason guard, fresh random inputs, NaN-poisoned
 * outputs on both devices, and an element-wise comparison that prints the first mismatches.
 */
final class GpuCheck {
    static final Device GPU = Device.cuda(0);
    /** Float32 tolerance, relative to each expected element. */
    static final double RTOL = 1e-5;
    /**
     * Elements smaller than this fraction of the tensor's largest magnitude are held to the tolerance
     * of that fraction instead: sums that cancel to near zero (GEMMs, convolutions, normalisation
     * backward) carry rounding error of the size of their terms, not of their result.
     */
    static final double FLOOR = 1e-2;

    final SplittableRandom random;
    final Backend cpu = Backends.of(Device.CPU);
    final Backend gpu;

    GpuCheck(long seed) {
        this.random = new SplittableRandom(seed);
        this.gpu = Backends.of(GPU);
    }

    private static boolean told;

    /** Set (to "true") by the build's emulated test run, whose libcuda.so.1 is the CPU emulator. */
    static final boolean EMULATED = Boolean.getBoolean("fkt.cuda.emulated");

    /**
     * Skips the calling test, printing why (once per JVM), unless a CUDA device with kernels is usable.
     * In the emulated run a missing device is a failure, not a skip: the emulator is there to be run.
     * Prints once which device the tests run on.
     */
    static synchronized void assumeGpu() {
        String reason = Backends.unavailableReason(Device.Kind.CUDA);
        if (EMULATED && !Backends.available(Device.Kind.CUDA)) {
            fail("the emulated GPU test run (-Dfkt.cuda.emulated=true) found no usable CUDA device: "
                    + (reason == null ? "no CUDA backend on the class path" : reason));
        }
        if (Backends.available(Device.Kind.CUDA) && !told) {
            told = true;
            System.out.println("GPU tests run on " + CudaDriver.of(GPU).describe()
                    + (EMULATED ? " (the CPU emulator of engine/src/test/cuda-emu, not a GPU)" : ""));
        }
        if (!Backends.available(Device.Kind.CUDA) && !told) {
            told = true;
            System.out.println("skipping GPU tests: "
                    + (reason == null ? "no CUDA backend on the class path" : reason));
        }
        Assumptions.assumeTrue(Backends.available(Device.Kind.CUDA),
                "no usable CUDA device: " + (reason == null ? "no CUDA backend on the class path" : reason));
    }

    /** Normal(0, scale) float32 values on the CPU. */
    Tensor normal(double scale, int... shape) {
        Tensor t = Tensor.empty(DType.FLOAT32, Device.CPU, shape);
        float[] v = new float[(int) t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (scale * gaussian());
        }
        t.copyFrom(v);
        return t;
    }

    /** Uniform integers in [0, bound) as int32 on the CPU. */
    Tensor ints(int bound, int... shape) {
        Tensor t = Tensor.empty(DType.INT32, Device.CPU, shape);
        int[] v = new int[(int) t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextInt(bound);
        }
        t.copyFrom(v);
        return t;
    }

    private double gaussian() {
        double u = 1 - random.nextDouble();
        double w = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
    }

    /** A NaN-filled (int32: -1) output of the given shape on {@code device}. */
    static Tensor poisoned(DType type, Device device, int... shape) {
        Tensor t = Tensor.empty(type, device, shape);
        Backends.of(device).fill(t, type == DType.INT32 ? -1 : Double.NaN);
        return t;
    }

    static Tensor poisoned(Device device, int... shape) {
        return poisoned(DType.FLOAT32, device, shape);
    }

    /**
     * Convolution forward, backward-data and backward-filter of x (N, C, H, W), w (K, C, R, S) and
     * dy (N, K, P, Q) on {@code device} against the CPU, into NaN-poisoned outputs; each held to rtol of
     * the magnitude of its terms (the same pass on |x|, |w|, |dy|).
     */
    void assertConvMatchesCpu(Device device, Tensor x, Tensor w, Tensor dy, Conv2dSpec spec, double rtol) {
        Tensor ax = abs(x);
        Tensor aw = abs(w);
        Tensor ady = abs(dy);
        Tensor y = poisoned(Device.CPU, dy.shape());
        Tensor gy = poisoned(device, dy.shape());
        cpu.conv2dForward(x, w, y, spec);
        gpu.conv2dForward(x.to(device), w.to(device), gy, spec);
        Tensor terms = poisoned(Device.CPU, y.shape());
        cpu.conv2dForward(ax, aw, terms, spec);
        assertCloseToTerms(device + " conv2d forward", y.toDoubleArray(), gy.toDoubleArray(), terms.toDoubleArray(),
                rtol);
        Tensor dx = poisoned(Device.CPU, x.shape());
        Tensor gdx = poisoned(device, x.shape());
        cpu.conv2dBackwardData(dy, w, dx, spec);
        gpu.conv2dBackwardData(dy.to(device), w.to(device), gdx, spec);
        terms = poisoned(Device.CPU, x.shape());
        cpu.conv2dBackwardData(ady, aw, terms, spec);
        assertCloseToTerms(device + " conv2d backward data", dx.toDoubleArray(), gdx.toDoubleArray(),
                terms.toDoubleArray(), rtol);
        Tensor dw = poisoned(Device.CPU, w.shape());
        Tensor gdw = poisoned(device, w.shape());
        cpu.conv2dBackwardFilter(x, dy, dw, spec);
        gpu.conv2dBackwardFilter(x.to(device), dy.to(device), gdw, spec);
        terms = poisoned(Device.CPU, w.shape());
        cpu.conv2dBackwardFilter(ax, ady, terms, spec);
        assertCloseToTerms(device + " conv2d backward filter", dw.toDoubleArray(), gdw.toDoubleArray(),
                terms.toDoubleArray(), rtol);
    }

    /** A copy of a CPU tensor on the GPU. */
    static Tensor onGpu(Tensor cpu) {
        return cpu.to(GPU);
    }

    /** Asserts the GPU tensor equals the CPU one within {@link #RTOL}. */
    static void assertClose(String what, Tensor expected, Tensor actual) {
        assertClose(what, expected.toDoubleArray(), actual.toDoubleArray(), RTOL);
    }

    static void assertClose(String what, double[] expected, double[] actual, double rtol) {
        assertClose(what, expected, actual, rtol, 1e-30);
    }

    /** A CPU copy of {@code t} with every element replaced by its magnitude. */
    static Tensor abs(Tensor t) {
        float[] v = t.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.abs(v[i]);
        }
        Tensor a = Tensor.empty(DType.FLOAT32, Device.CPU, t.shape());
        a.copyFrom(v);
        return a;
    }

    /**
     * Asserts |actual - expected| <= rtol * (|expected| + terms) per element, where {@code terms} is the
     * same sum of products taken over the magnitudes of the inputs: a sum that cancels carries rounding
     * error (float32 order, TF32 inputs) of the size of its terms, not of its result.
     */
    static void assertCloseToTerms(String what, double[] expected, double[] actual, double[] terms, double rtol) {
        List<String> bad = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < expected.length; i++) {
            double tolerance = rtol * (Math.abs(expected[i]) + terms[i]);
            if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
                count++;
                if (bad.size() < 5) {
                    bad.add(String.format("[%d] gpu %.9g cpu %.9g terms %.3g", i, actual[i], expected[i], terms[i]));
                }
            }
        }
        if (count > 0 || expected.length != actual.length) {
            String message = what + ": " + count + " of " + expected.length + " elements differ (rtol " + rtol
                    + " of |cpu| + terms; " + actual.length + " elements on the GPU); first: " + String.join(", ", bad);
            System.out.println(message);
            fail(message);
        }
    }

    /**
     * Asserts |actual - expected| <= atol + rtol * max(|expected|, FLOOR * largest |expected|) per element;
     * atol covers results that cancel to (near) zero as a whole, whose rounding error is of the size of
     * their terms.
     */
    static void assertClose(String what, double[] expected, double[] actual, double rtol, double atol) {
        if (expected.length != actual.length) {
            fail(what + ": " + actual.length + " elements, expected " + expected.length);
        }
        double largest = 0;
        for (double e : expected) {
            largest = Math.max(largest, Math.abs(e));
        }
        List<String> bad = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < expected.length; i++) {
            double tolerance = rtol * Math.max(Math.abs(expected[i]), largest * FLOOR) + atol;
            if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
                count++;
                if (bad.size() < 5) {
                    bad.add(String.format("[%d] gpu %.9g cpu %.9g", i, actual[i], expected[i]));
                }
            }
        }
        if (count > 0) {
            String message = what + ": " + count + " of " + expected.length + " elements differ (rtol " + rtol
                    + ", atol " + atol + "); first: " + String.join(", ", bad);
            System.out.println(message);
            fail(message);
        }
    }
}
