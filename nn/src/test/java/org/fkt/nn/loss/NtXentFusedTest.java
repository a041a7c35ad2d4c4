package org.fkt.nn.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.fkt.engine.autograd.Autograd;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused NT-Xent (the engine's op) against the composed reference path, loss and gradient, on
 * sizes that are and are not multiples of the CPU tiles (8 rows x 32 columns, sub-tiles of up to
 * 256), temperatures 0.05 to 1 with large logits, duplicated rows and a zero row. float32 within
 * 1e-5 relative, float64 within 1e-12. Gradients are fresh tensors, NaN-poisoned by the test run.
 */
class NtXentFusedTest {
    private static final double RTOL32 = 1e-5;
    private static final double RTOL64 = 1e-12;

    /** (2N, D, temperature, scale of z): every 2N and D of the issue, not the full cross product. */
    static Stream<Arguments> float32Cases() {
        return Stream.of(
                Arguments.of(2, 16, 0.5, 1.0),
                Arguments.of(2, 2048, 0.05, 30.0),
                Arguments.of(6, 32, 0.1, 1.0),
                Arguments.of(6, 256, 1.0, 5.0),
                Arguments.of(8, 64, 0.05, 1.0),
                Arguments.of(8, 128, 0.2, 100.0),
                Arguments.of(510, 128, 0.05, 1.0),
                Arguments.of(510, 2048, 0.5, 1.0),
                Arguments.of(512, 16, 0.07, 3.0),
                Arguments.of(512, 256, 1.0, 1.0),
                Arguments.of(4096, 64, 0.05, 1.0),
                Arguments.of(34, 20, 0.3, 1.0),
                Arguments.of(66, 33, 0.05, 0.01));
    }

    static Stream<Arguments> float64Cases() {
        return Stream.of(
                Arguments.of(2, 16, 0.5, 1.0),
                Arguments.of(6, 32, 0.05, 1.0),
                Arguments.of(8, 64, 1.0, 10.0),
                Arguments.of(510, 128, 0.1, 1.0),
                Arguments.of(40, 2048, 0.05, 1.0));
    }

    @ParameterizedTest(name = "float32 2N={0} D={1} t={2} scale={3}")
    @MethodSource("float32Cases")
    void float32MatchesComposed(int rows, int d, double t, double scale) {
        compare(DType.FLOAT32, gaussian(rows, d, scale), rows, d, t, RTOL32);
    }

    @ParameterizedTest(name = "float64 2N={0} D={1} t={2} scale={3}")
    @MethodSource("float64Cases")
    void float64MatchesComposed(int rows, int d, double t, double scale) {
        compare(DType.FLOAT64, gaussian(rows, d, scale), rows, d, t, RTOL64);
    }

    /** Rows that repeat (a partner equal to its row: the largest logit, 1/t) and a zero row. */
    @Test
    void duplicatedRowsAndZeroRow() {
        for (int rows : new int[] {6, 70}) {
            int d = 48;
            double[] z = gaussian(rows, d, 1.0);
            int half = rows / 2;
            System.arraycopy(z, 0, z, half * d, d);            // row N equals row 0: a perfect positive
            System.arraycopy(z, 2 * d, z, 3 * d, d);           // rows 2 and 3 equal: a duplicated negative
            java.util.Arrays.fill(z, (rows - 1) * d, rows * d, 0);   // the last row is zero
            for (double t : new double[] {0.05, 0.5}) {
                compare(DType.FLOAT32, z, rows, d, t, RTOL32);
                compare(DType.FLOAT64, z, rows, d, t, RTOL64);
            }
        }
    }

    /** The loss-only kernel (grad off) gives the same loss as the saving forward, and saves nothing. */
    @Test
    void lossOnlyForwardMatches() {
        int rows = 130;
        int d = 40;
        double[] z = gaussian(rows, d, 1.0);
        for (DType type : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            try (var scope = MemoryScope.open()) {
                Tensor zt = tensor(type, z, rows, d).requiresGrad(true);
                double training = NtXent.fused(zt, 0.1).item();
                double evaluation;
                try (var off = Autograd.noGrad()) {
                    Tensor loss = NtXent.fused(zt, 0.1);
                    assertTrue(loss.gradFn() == null, "loss-only forward recorded a graph");
                    evaluation = loss.item();
                }
                assertEquals(training, evaluation, 0.0, type + ": loss-only forward differs");
            }
        }
    }

    /** Fused and composed from the same z: the loss within rtol relative, dz element-wise. */
    private static void compare(DType type, double[] z, int rows, int d, double t, double rtol) {
        String what = type.label() + " 2N=" + rows + " D=" + d + " t=" + t;
        try (var scope = MemoryScope.open()) {
            Tensor zf = tensor(type, z, rows, d).requiresGrad(true);
            Tensor zc = tensor(type, z, rows, d).requiresGrad(true);
            Tensor lf = NtXent.loss(zf, t, NtXentPath.FUSED);
            Tensor lc = NtXent.loss(zc, t, NtXentPath.COMPOSED);
            lf.backward();
            lc.backward();
            double want = lc.item();
            double got = lf.item();
            if (!(Math.abs(got - want) <= rtol * Math.abs(want))) {
                fail(String.format("%s: loss got %.12g want %.12g (relative %.3g > %.1g)", what, got, want,
                        Math.abs(got - want) / Math.abs(want), rtol));
            }
            assertGradient(what, zc.grad().toDoubleArray(), zf.grad().toDoubleArray(), d, rtol);
        }
    }

    /**
     * Element i passes when |got - want| <= rtol * (|want_i| + rms(want)): relative where the
     * gradient is not tiny, and relative to its typical size where it is (a cancelling sum cannot do
     * better in either path). Also no element may be NaN or infinite. Prints the first mismatches.
     */
    static void assertGradient(String what, double[] want, double[] got, int d, double rtol) {
        double squares = 0;
        for (double w : want) {
            squares += w * w;
        }
        double rms = Math.sqrt(squares / want.length);
        List<String> bad = new ArrayList<>();
        int count = 0;
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs(got[i] - want[i]);
            double allowed = rtol * (Math.abs(want[i]) + rms);
            worst = Math.max(worst, err / Math.max(Math.abs(want[i]) + rms, Double.MIN_NORMAL));
            if (!(err <= allowed) || !Double.isFinite(got[i])) {
                count++;
                if (bad.size() < 6) {
                    bad.add(String.format("[%d,%d] got %.9g want %.9g", i / d, i % d, got[i], want[i]));
                }
            }
        }
        System.out.printf("%s: dz worst error %.3g of (|want| + rms %.3g)%n", what, worst, rms);
        if (count > 0) {
            fail(what + ": " + count + " of " + want.length + " gradient elements differ by more than " + rtol
                    + " * (|want| + rms " + String.format("%.3g", rms) + "); first: " + String.join(", ", bad));
        }
    }

    private static Tensor tensor(DType type, double[] z, int rows, int d) {
        Tensor t = Tensor.empty(type, Device.CPU, rows, d);
        if (type == DType.FLOAT64) {
            t.copyFrom(z);
        } else {
            float[] f = new float[z.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) z[i];
            }
            t.copyFrom(f);
        }
        return t;
    }

    private static double[] gaussian(int rows, int d, double scale) {
        long seed = System.nanoTime();
        System.out.println("2N=" + rows + " D=" + d + ": seed " + seed);
        var random = new Random(seed);
        double[] v = new double[rows * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian() * scale;
        }
        return v;
    }
}
