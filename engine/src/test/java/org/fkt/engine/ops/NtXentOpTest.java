package org.fkt.engine.ops;

import static org.fkt.engine.tensor.DType.FLOAT32;
import static org.fkt.engine.tensor.DType.FLOAT64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.fkt.engine.autograd.Autograd;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.memory.NativeMemory;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fused NT-Xent op ({@link Ops#ntXent}): its gradient against float64 finite differences, its
 * loss against the definition in plain loops, float32 against float64 on sizes that are not
 * multiples of the CPU tiles, a zero row, argument errors, and its O(N*D) memory. The comparison
 * with the composed path (engine ops) is in nn's NtXentFusedTest.
 */
class NtXentOpTest {
    private TestData data;
    private MemoryScope scope;

    @BeforeEach
    void setUp(TestInfo info) {
        data = new TestData(info.getDisplayName());
        scope = MemoryScope.open();
    }

    @AfterEach
    void tearDown() {
        scope.close();
    }

    @ParameterizedTest(name = "gradcheck 2N={0} D={1} t={2}")
    @CsvSource({
        "2, 3, 0.5",
        "4, 5, 0.05",
        "6, 4, 1.0",
        "10, 7, 0.2",
    })
    void gradientMatchesFiniteDifferences(int rows, int d, double t) {
        Tensor z = data.normal(FLOAT64, 1, rows, d);
        GradCheck.check("nt_xent", data.random, in -> Ops.ntXent(in[0], t), z);
    }

    @Test
    void gradientWithDuplicatedRowsMatchesFiniteDifferences() {
        double[] v = data.normal(FLOAT64, 1, 8, 5).toDoubleArray();
        System.arraycopy(v, 0, v, 4 * 5, 5);   // row 4 (row 0's partner) equals row 0
        System.arraycopy(v, 5, v, 2 * 5, 5);   // rows 1 and 2 equal
        GradCheck.check("nt_xent", data.random, in -> Ops.ntXent(in[0], 0.1), Tensor.of(v, 8, 5));
    }

    @ParameterizedTest(name = "definition 2N={0} D={1} t={2}")
    @CsvSource({
        "2, 16, 0.5",
        "6, 33, 0.05",
        "18, 20, 1.0",
        "70, 64, 0.1",
    })
    void lossMatchesDefinition(int rows, int d, double t) {
        Tensor z64 = data.normal(FLOAT64, 2, rows, d);
        double want = definition(z64.toDoubleArray(), rows, d, t);
        double got64 = Ops.ntXent(z64, t).item();
        assertEquals(want, got64, 1e-12 * Math.abs(want), "float64 loss");
        double got32 = Ops.ntXent(z64.to(FLOAT32), t).item();
        assertEquals(want, got32, 1e-5 * Math.abs(want), "float32 loss");
    }

    /**
     * The float32 tiles against the float64 reference from the same (float-representable) input:
     * rows not a multiple of 8, D not a multiple of 32, several column blocks with a partial last one.
     */
    @ParameterizedTest(name = "float32 vs float64 2N={0} D={1} t={2}")
    @CsvSource({
        "6, 5, 0.5",
        "34, 20, 0.05",
        "130, 48, 1.0",
        "300, 520, 0.1",
        "1030, 17, 0.07",
    })
    void float32MatchesFloat64(int rows, int d, double t) {
        Tensor z32 = data.normal(FLOAT32, 1, rows, d).requiresGrad(true);
        Tensor z64 = z32.to(FLOAT64).requiresGrad(true);
        Tensor l32 = Ops.ntXent(z32, t);
        Tensor l64 = Ops.ntXent(z64, t);
        assertEquals(l64.item(), l32.item(), 1e-5 * Math.abs(l64.item()), "loss");
        l32.backward();
        l64.backward();
        double[] want = z64.grad().toDoubleArray();
        double scale = rms(want);
        Close.assertClose("dz", want, z32.grad().toDoubleArray(), 1e-5 * scale, 1e-5);
    }

    /**
     * A zero row normalises to zero (F.normalize): finite loss, and its gradient is du / eps with
     * du = (g / (2N t)) sum_j w'_ij u_j, which is large but finite; no element is NaN.
     */
    @Test
    void zeroRowHasDefinedResult() {
        int rows = 12;
        int d = 9;
        for (var type : new org.fkt.engine.tensor.DType[] {FLOAT32, FLOAT64}) {
            double[] v = data.normal(FLOAT64, 1, rows, d).toDoubleArray();
            java.util.Arrays.fill(v, 3 * d, 4 * d, 0);
            Tensor z = Tensor.of(v, rows, d);
            z = (type == FLOAT64 ? z : z.to(FLOAT32)).requiresGrad(true);
            Tensor loss = Ops.ntXent(z, 0.05);
            loss.backward();
            assertTrue(Double.isFinite(loss.item()), type + " loss " + loss.item());
            double[] g = z.grad().toDoubleArray();
            for (int i = 0; i < g.length; i++) {
                if (!Double.isFinite(g[i])) {
                    fail(type + ": gradient element (" + i / d + ", " + i % d + ") is " + g[i]);
                }
            }
            double zeroRow = 0;
            for (int k = 0; k < d; k++) {
                zeroRow = Math.max(zeroRow, Math.abs(g[3 * d + k]));
            }
            assertTrue(zeroRow > 1e6, type + ": zero row's gradient should be du/eps, got max " + zeroRow);
        }
    }

    @Test
    void lossOnlyWhenNoGradientIsNeeded() {
        Tensor z = data.normal(FLOAT32, 1, 10, 6).requiresGrad(true);
        double training = Ops.ntXent(z, 0.3).item();
        try (var off = Autograd.noGrad()) {
            Tensor loss = Ops.ntXent(z, 0.3);
            assertNull(loss.gradFn(), "no graph in no-grad mode");
            assertEquals(training, loss.item(), 0.0);
        }
        Tensor constant = data.normal(FLOAT32, 1, 10, 6);
        assertNull(Ops.ntXent(constant, 0.3).gradFn(), "no graph for an input that needs no gradient");
    }

    @Test
    void rejectsBadArguments() {
        var odd = assertThrows(IllegalArgumentException.class, () -> Ops.ntXent(Tensor.zeros(3, 4), 0.5));
        assertTrue(odd.getMessage().contains("nt_xent") && odd.getMessage().contains("(3, 4)"), odd.getMessage());
        var rank = assertThrows(IllegalArgumentException.class, () -> Ops.ntXent(Tensor.zeros(4), 0.5));
        assertTrue(rank.getMessage().contains("rank 2"), rank.getMessage());
        var temperature = assertThrows(IllegalArgumentException.class, () -> Ops.ntXent(Tensor.zeros(4, 2), 0));
        assertTrue(temperature.getMessage().contains("temperature"), temperature.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Ops.ntXent(Tensor.zeros(4, 2), Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Ops.ntXent(Tensor.zeros(4, 2), 0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> Ops.ntXent(Tensor.zeros(0, 2), 0.5));
    }

    /**
     * 2N = 16384, D = 32 float32: z is 2 MiB and one (2N, 2N) float32 matrix would be 1 GiB. The
     * forward + backward may hold zn (saved), the packed copy of zn that each pass uses and dz, then
     * zn, dz and the leaf's gradient copy (3 z at most) plus O(N) and the CPU's small per-thread tiles
     * (heap, not counted here); the loss-only forward holds a temporary zn and its packed copy (2 z).
     */
    @Test
    void memoryIsLinearInN() {
        int rows = 16384;
        int d = 32;
        Tensor z = data.normal(FLOAT32, 1, rows, d).requiresGrad(true);
        long zBytes = z.numel() * 4;
        Tensor small = data.normal(FLOAT32, 1, 512, d).requiresGrad(true);
        for (int i = 0; i < 40; i++) {
            // compiles the kernels first: the vector code is very slow until the JIT has compiled it
            try (var warm = MemoryScope.open()) {
                Ops.ntXent(small, 0.5).backward();
            }
        }
        long slack = 256 << 10;
        long before = NativeMemory.liveBytes();
        NativeMemory.resetPeak();
        try (var step = MemoryScope.open()) {
            Tensor loss = Ops.ntXent(z, 0.5);
            loss.backward();
        }
        long extra = NativeMemory.peakBytes() - before;
        System.out.printf("nt_xent 16384x32 forward+backward: peak extra %.1f MiB = %.2f z%n", extra / 1048576.0,
                (double) extra / zBytes);
        assertTrue(extra <= 3 * zBytes + slack, "peak extra " + extra + " bytes > 3 z + 256 KiB (z = " + zBytes + ")");
        before = NativeMemory.liveBytes();
        NativeMemory.resetPeak();
        try (var step = MemoryScope.open(); var off = Autograd.noGrad()) {
            Ops.ntXent(z, 0.5).item();
        }
        extra = NativeMemory.peakBytes() - before;
        System.out.printf("nt_xent 16384x32 loss only: peak extra %.1f MiB = %.2f z%n", extra / 1048576.0,
                (double) extra / zBytes);
        assertTrue(extra <= 2 * zBytes + slack, "loss-only peak extra " + extra + " bytes > 2 z + 256 KiB");
        assertTrue(z.grad() != null && Double.isFinite(z.grad().toDoubleArray()[0]));
    }

    /** NT-Xent by its definition, in double loops. */
    private static double definition(double[] z, int rows, int d, double t) {
        double[][] u = new double[rows][d];
        for (int i = 0; i < rows; i++) {
            double n = 0;
            for (int k = 0; k < d; k++) {
                n += z[i * d + k] * z[i * d + k];
            }
            n = Math.max(Math.sqrt(n), 1e-12);
            for (int k = 0; k < d; k++) {
                u[i][k] = z[i * d + k] / n;
            }
        }
        double total = 0;
        for (int i = 0; i < rows; i++) {
            double[] s = new double[rows];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < rows; j++) {
                for (int k = 0; k < d; k++) {
                    s[j] += u[i][k] * u[j][k] / t;
                }
                if (j != i) {
                    max = Math.max(max, s[j]);
                }
            }
            double sum = 0;
            for (int j = 0; j < rows; j++) {
                if (j != i) {
                    sum += Math.exp(s[j] - max);
                }
            }
            total += max + Math.log(sum) - s[(i + rows / 2) % rows];
        }
        return total / rows;
    }

    private static double rms(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s / v.length);
    }
}
