package org.fkt.engine.cuda;

import static org.fkt.engine.cuda.GpuCheck.GPU;
import static org.fkt.engine.cuda.GpuCheck.onGpu;
import static org.fkt.engine.cuda.GpuCheck.poisoned;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fused NT-Xent kernels (ntxent.cu through CudaBackend) against the CPU op, on fresh random
 * projections with every GPU output NaN-poisoned first. Up to 2N = 512 and D = 260 the reference is the
 * CPU op in float64 on the same (float-representable) input, and the GPU's float32 must match it
 * within 1e-5: the loss and lse relative, dz at 1e-5 * (|want| + rms(want)) as NtXentOpTest does (a
 * cancelling sum carries error of the size of its terms). Those sizes also run on the CPU emulator of
 * the GPU. The large sizes (2N up to 65,536, D = 2048) run only on a real device, against the CPU op
 * in float32 at 2e-5 (both sides carry float32 rounding; float64 at that size would take hours).
 * The TF32 variant is checked (real device only) against float64 at CudaNtXent's stated tolerance, and
 * the fused op against the composed path on the GPU (where cuBLAS loads).
 * Also checked: the loss-only kernel gives the same loss, the peak device memory stays within twice z
 * and dz (plus the plan's small-problem scratch), and the launch plan itself (without a GPU).
 */
class CudaNtXentTest {
    private static final double EPS = 1e-12;
    /** Loss and lse relative; dz relative to (|want| + rms). */
    private record Tolerance(double loss, double grad) {
    }

    private static final double RTOL_REFERENCE = 1e-5;
    private static final Tolerance FLOAT32_VS_64 = new Tolerance(RTOL_REFERENCE, RTOL_REFERENCE);
    private static final Tolerance FLOAT32_VS_32 = new Tolerance(2e-5, 2e-5);
    /** CudaNtXent's stated TF32 tolerance. */
    private static final Tolerance TF32 = new Tolerance(1e-3, 1e-2);

    private GpuCheck g;
    private MemoryScope scope;

    @BeforeEach
    void setUp() {
        scope = MemoryScope.open();
    }

    @AfterEach
    void tearDown() {
        scope.close();
    }

    private void gpu() {
        GpuCheck.assumeGpu();
        g = new GpuCheck(System.nanoTime());
    }

    /** True on the CPU emulator of the GPU, where only the small sizes are affordable. */
    private static boolean emulated() {
        return GpuCheck.EMULATED || CudaBackend.describe(GPU).contains("FKT CPU emulator");
    }

    @Tag("gpu")
    @ParameterizedTest(name = "2N={0} D={1} t={2} special={3}")
    @CsvSource({
        "2, 32, 0.5, none",
        "6, 64, 0.05, none",
        "66, 33, 0.07, none",
        "130, 260, 0.3, none",
        "510, 128, 0.1, none",
        "512, 256, 1.0, none",
        "512, 32, 0.05, none",
        "40, 64, 0.05, large",
        "70, 48, 0.1, duplicates",
        "70, 48, 0.1, zero",
    })
    void smallAgainstFloat64(int rows, int d, double t, String special) {
        gpu();
        Tensor z = projections(rows, d, special);
        compare(z, z.to(DType.FLOAT64), t, FLOAT32_VS_64);
    }

    @Tag("gpu")
    @ParameterizedTest(name = "2N={0} D={1} t={2}")
    @CsvSource({
        "4096, 128, 0.1",
        "4099, 100, 0.05",
        "16384, 128, 0.5",
        "65536, 128, 0.1",
        "512, 2048, 0.2",
        "4096, 2048, 1.0",
    })
    void largeAgainstFloat32(int rows, int d, double t) {
        gpu();
        Assumptions.assumeFalse(emulated(), "2N = " + rows + ", D = " + d + " is too slow for the CPU emulator");
        Tensor z = projections(rows, d, "none");
        compare(z, z, t, FLOAT32_VS_32);
    }

    /**
     * The fused GPU op against the composed path on the GPU (normalise, cuBLAS similarity, mask,
     * cross-entropy, as NtXent.composed builds it): loss within 1e-5 relative, dz at 2e-5 (both are
     * float32). Needs cuBLAS; skips, saying so, where it does not load.
     */
    @Tag("gpu")
    @ParameterizedTest(name = "composed 2N={0} D={1} t={2}")
    @CsvSource({
        "512, 128, 0.5",
        "510, 64, 0.05",
        "4096, 128, 0.1",
    })
    void agreesWithTheComposedPath(int rows, int d, double t) {
        gpu();
        Assumptions.assumeFalse(emulated() && rows > 512, "2N = " + rows + " is too slow for the CPU emulator");
        try {
            org.fkt.engine.natives.NativeLibraries.blas();
        } catch (RuntimeException e) {
            System.out.println("skipping the composed-path comparison: " + e.getMessage());
            Assumptions.abort("cuBLAS is not usable: " + e.getMessage());
        }
        Tensor host = g.normal(1, rows, d);
        Tensor fusedZ = onGpu(host).requiresGrad(true);
        Tensor composedZ = onGpu(host).requiresGrad(true);
        Tensor fused = Ops.ntXent(fusedZ, t);
        Tensor composed = composed(composedZ, t);
        fused.backward();
        composed.backward();
        String what = "composed 2N=" + rows + " D=" + d + " t=" + t;
        assertEquals(composed.item(), fused.item(), RTOL_REFERENCE * Math.abs(composed.item()), what + " loss");
        double[] regular = new double[rows];
        java.util.Arrays.fill(regular, 1);
        assertGradient(what + " dz", composedZ.grad().toDoubleArray(), fusedZ.grad().toDoubleArray(), regular, d,
                FLOAT32_VS_32.grad());
    }

    /** NT-Xent from engine ops, as nn's NtXent.composed: the (2N, 2N) similarity matrix is built. */
    private static Tensor composed(Tensor z, double t) {
        int rows = z.dim(0);
        Tensor zn = Ops.l2Normalize(z, EPS);
        Tensor similarity = Ops.scale(Ops.matmul(zn, false, zn, true), 1 / t);
        float[] mask = new float[rows * rows];
        int[] partners = new int[rows];
        for (int i = 0; i < rows; i++) {
            mask[i * rows + i] = Float.NEGATIVE_INFINITY;
            partners[i] = i < rows / 2 ? i + rows / 2 : i - rows / 2;
        }
        Tensor masked = Ops.add(similarity, onGpu(Tensor.of(mask, rows, rows)));
        return Ops.crossEntropy(masked, onGpu(Tensor.of(partners, rows)));
    }

    /** No atomics, splits merged in a fixed order: two runs on the same input agree bit for bit. */
    @Tag("gpu")
    @Test
    void runsAreBitwiseRepeatable() {
        gpu();
        int rows = 510;
        int d = 72;
        Tensor z = onGpu(g.normal(1, rows, d));
        Tensor dloss = onGpu(Tensor.full(1, DType.FLOAT32, Device.CPU));
        double[][] first = null;
        for (int run = 0; run < 2; run++) {
            Tensor loss = poisoned(GPU);
            Tensor zn = poisoned(GPU, rows, d);
            Tensor norms = poisoned(GPU, rows);
            Tensor lse = poisoned(GPU, rows);
            Tensor dz = poisoned(GPU, rows, d);
            g.gpu.ntXentForward(z, 0.1, EPS, loss, zn, norms, lse);
            g.gpu.ntXentBackward(dloss, zn, norms, lse, 0.1, EPS, dz);
            double[][] got = {loss.toDoubleArray(), lse.toDoubleArray(), dz.toDoubleArray()};
            if (first == null) {
                first = got;
            } else {
                for (int k = 0; k < got.length; k++) {
                    assertArrayEquals(first[k], got[k], 0.0,
                            new String[] {"loss", "lse", "dz"}[k] + " differs between two runs");
                }
            }
        }
    }

    /** The TF32 tensor-core tiles (-Dfkt.cuda.tf32=true) against float64, at CudaNtXent's stated tolerance. */
    @Tag("gpu")
    @ParameterizedTest(name = "tf32 2N={0} D={1} t={2}")
    @CsvSource({
        "510, 128, 0.1",
        "66, 33, 0.05",
        "4096, 128, 0.05",
        "512, 2048, 0.5",
    })
    void tf32AgainstFloat64(int rows, int d, double t) {
        gpu();
        Assumptions.assumeFalse(emulated(), "the TF32 kernels use wmma, which the CPU emulator does not run");
        CudaBackend backend = (CudaBackend) g.gpu;
        boolean was = backend.tf32();
        backend.tf32(true);
        try {
            Tensor z = projections(rows, d, "none");
            compare(z, z.to(DType.FLOAT64), t, TF32);
        } finally {
            backend.tf32(was);
        }
    }

    /** Ops.ntXent on a GPU tensor goes through the fused kernels both ways (autograd included). */
    @Tag("gpu")
    @Test
    void autogradOnTheGpu() {
        gpu();
        int rows = 96;
        int d = 40;
        double t = 0.2;
        Tensor z = g.normal(1, rows, d);
        Tensor cpu = z.to(DType.FLOAT64).requiresGrad(true);
        Tensor dev = onGpu(z).requiresGrad(true);
        Tensor want = Ops.ntXent(cpu, t);
        Tensor got = Ops.ntXent(dev, t);
        assertEquals(want.item(), got.item(), RTOL_REFERENCE * Math.abs(want.item()), "loss");
        want.backward();
        got.backward();
        double[] regular = new double[rows];
        java.util.Arrays.fill(regular, 1);
        assertGradient("autograd dz", cpu.grad().toDoubleArray(), dev.grad().toDoubleArray(), regular, d,
                RTOL_REFERENCE);
    }

    /**
     * Projections (rows, D), normal(0, 1) with: "large" scale 1e4 (logits near 1 / t either way),
     * "duplicates" rows 3 and 4 copies of row 0 and a pair (5, 5 + N) identical, "zero" row 1 all zero.
     */
    private Tensor projections(int rows, int d, String special) {
        Tensor z = g.normal(special.equals("large") ? 1e4 : 1, rows, d);
        if (special.equals("none") || special.equals("large")) {
            return z;
        }
        float[] v = z.toFloatArray();
        if (special.equals("duplicates")) {
            System.arraycopy(v, 0, v, 3 * d, d);
            System.arraycopy(v, 0, v, 4 * d, d);
            System.arraycopy(v, 5 * d, v, (5 + rows / 2) * d, d);
        } else {
            java.util.Arrays.fill(v, d, 2 * d, 0f);
        }
        z.copyFrom(v);
        return z;
    }

    /** GPU forward, loss-only and backward of float32 z against the CPU op on {@code reference} (z or z in float64). */
    private void compare(Tensor z, Tensor reference, double t, Tolerance rtol) {
        int rows = z.dim(0);
        int d = z.dim(1);
        DType type = reference.dtype();
        double g0 = 0.5 + g.random.nextDouble();
        Tensor loss = Tensor.empty(type, Device.CPU);
        Tensor zn = Tensor.empty(type, Device.CPU, rows, d);
        Tensor norms = Tensor.empty(type, Device.CPU, rows);
        Tensor lse = Tensor.empty(type, Device.CPU, rows);
        Tensor dz = Tensor.empty(type, Device.CPU, rows, d);
        Tensor dloss = Tensor.full(g0, type, Device.CPU);
        g.cpu.ntXentForward(reference, t, EPS, loss, zn, norms, lse);
        g.cpu.ntXentBackward(dloss, zn, norms, lse, t, EPS, dz);

        Tensor gz = onGpu(z);
        CudaBackend.synchronize(GPU);
        long before = CudaBackend.memoryInUse(GPU)[0];
        CudaBackend.resetPeak(GPU);
        Tensor gloss = poisoned(GPU);
        Tensor gzn = poisoned(GPU, rows, d);
        Tensor gnorms = poisoned(GPU, rows);
        Tensor glse = poisoned(GPU, rows);
        Tensor gdz = poisoned(GPU, rows, d);
        Tensor gdloss = onGpu(Tensor.full(g0, DType.FLOAT32, Device.CPU));
        g.gpu.ntXentForward(gz, t, EPS, gloss, gzn, gnorms, glse);
        g.gpu.ntXentBackward(gdloss, gzn, gnorms, glse, t, EPS, gdz);
        CudaBackend.synchronize(GPU);
        long peak = CudaBackend.memoryInUse(GPU)[1] - before;

        String what = "2N=" + rows + " D=" + d + " t=" + t;
        System.out.println(what + ": " + CudaNtXent.Plan.of(rows, d, CudaDriver.of(GPU).multiprocessors()));
        double want = loss.item();
        double got = gloss.item();
        System.out.printf("%s: loss gpu %.9g cpu %s %.9g (rel %.2e), peak %d bytes beyond z%n", what, got, type, want,
                Math.abs(got - want) / Math.abs(want), peak);
        assertTrue(Math.abs(got - want) <= rtol.loss() * Math.abs(want) + 1e-30 || rows == 2 && Math.abs(got) <= 1e-6,
                what + ": loss gpu " + got + " cpu " + want);
        GpuCheck.assertClose(what + " lse", lse.toDoubleArray(), glse.toDoubleArray(), rtol.loss());
        GpuCheck.assertClose(what + " norms", norms.toDoubleArray(), gnorms.toDoubleArray(), RTOL_REFERENCE);
        assertGradient(what + " dz", dz.toDoubleArray(), gdz.toDoubleArray(), norms.toDoubleArray(), d, rtol.grad());

        Tensor only = poisoned(GPU);
        g.gpu.ntXentLoss(gz, t, EPS, only);
        assertEquals(got, only.item(), 0.0, what + ": the loss-only kernel gives another loss");

        long zBytes = (long) rows * d * Float.BYTES;
        long allowed = 2 * (zBytes + zBytes) - zBytes + CudaNtXent.SMALL_SCRATCH + (1L << 20);
        assertTrue(peak <= allowed, what + ": peak " + peak + " bytes beyond z, more than 2 (z + dz) - z + 5 MiB");
    }

    /**
     * dz element i passes at rtol * (|want_i| + rms): rms over the rows with a norm above eps, and each
     * zero-norm row (whose gradient is du / eps, about 1e12 times larger) against its own rms.
     */
    private static void assertGradient(String what, double[] want, double[] got, double[] norms, int d, double rtol) {
        double squares = 0;
        int regular = 0;
        for (int r = 0; r < norms.length; r++) {
            if (norms[r] > EPS) {
                regular++;
                for (int k = 0; k < d; k++) {
                    squares += want[r * d + k] * want[r * d + k];
                }
            }
        }
        double rms = Math.sqrt(squares / Math.max(1, (long) regular * d));
        List<String> bad = new ArrayList<>();
        int count = 0;
        double worst = 0;
        for (int r = 0; r < norms.length; r++) {
            double scale = rms;
            if (!(norms[r] > EPS)) {
                double own = 0;
                for (int k = 0; k < d; k++) {
                    own += want[r * d + k] * want[r * d + k];
                }
                scale = Math.sqrt(own / d);
            }
            for (int k = 0; k < d; k++) {
                int i = r * d + k;
                double err = Math.abs(got[i] - want[i]);
                double room = Math.abs(want[i]) + scale;
                worst = Math.max(worst, room > 0 ? err / room : err);
                if (!(err <= rtol * room + 1e-30) || !Double.isFinite(got[i])) {
                    count++;
                    if (bad.size() < 6) {
                        bad.add(String.format("[%d,%d] gpu %.9g cpu %.9g", r, k, got[i], want[i]));
                    }
                }
            }
        }
        System.out.printf("%s: worst error %.3g of (|want| + rms %.3g)%n", what, worst, rms);
        if (count > 0) {
            String message = what + ": " + count + " of " + want.length + " elements differ by more than " + rtol
                    + " * (|want| + rms); first: " + String.join(", ", bad);
            System.out.println(message);
            fail(message);
        }
    }

    @Test
    void planFillsTheDeviceAndBoundsTheScratch() {
        var small = CudaNtXent.Plan.of(512, 128, 132);
        assertEquals(32, small.side());
        assertTrue(small.forwardBlocks() >= 132, "forward blocks at 2N = 512: " + small.forwardBlocks());
        assertTrue(small.backwardBlocks() >= 132, "backward blocks at 2N = 512: " + small.backwardBlocks());
        var big = CudaNtXent.Plan.of(65536, 128, 132);
        assertEquals(new CudaNtXent.Plan(64, 1024, 1, 1, 1), big);
        assertEquals(0, big.backwardScratch(65536, 128));
        var wide = CudaNtXent.Plan.of(512, 2048, 132);
        assertEquals(16, wide.chunks());
        for (int m : new int[] {2, 6, 66, 510, 512, 4096, 16384, 65536}) {
            for (int d : new int[] {1, 32, 100, 128, 2048}) {
                var p = CudaNtXent.Plan.of(m, d, 132);
                assertTrue(p.forwardSplits() >= 1 && p.forwardSplits() <= p.tiles(), p.toString());
                assertTrue(p.backwardSplits() >= 1 && p.backwardSplits() <= p.tiles(), p.toString());
                assertEquals((m + p.side() - 1) / p.side(), p.tiles());
                long slab = (long) m * d * Float.BYTES;
                assertTrue(p.backwardScratch(m, d) <= Math.max(slab, CudaNtXent.SMALL_SCRATCH), p + " scratch");
            }
        }
    }
}
