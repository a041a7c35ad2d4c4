package org.fkt.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The float32 GEMM's summation order, as far as rounding goes: inside a K slice no output is one FMA
 * chain longer than {@link CpuSgemm#CHAIN}. Compares the relative error (Frobenius norm, against a
 * float64 reference) of {@link CpuSgemm#sgemm} with that of plain float FMA loops that sum each
 * K slice of up to {@link CpuSgemm#KC_MAX} terms as one chain (the kernel before chunking) and
 * asserts the relationship, not measured numbers. Products with k <= CHAIN must match a single float
 * FMA chain bit for bit.
 */
class CpuSgemmChainTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final int M = 96;
    private static final int N = 96;

    @ParameterizedTest(name = "k={0}")
    @ValueSource(ints = {576, 1152, 4608})
    void chunkedChainsBeatOneChainPerSlice(int k) {
        var rnd = new Random(k);
        float[] a = random(rnd, M * k);
        float[] b = random(rnd, k * N);
        double[] exact = new double[M * N];
        float[] sliceChains = new float[M * N];
        int kc = CpuSgemm.blockSize(k, 1, CpuSgemm.KC_MAX);
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                double d = 0;
                float c = 0f;
                for (int pc = 0; pc < k; pc += kc) {
                    float chain = 0f;
                    for (int p = pc; p < Math.min(k, pc + kc); p++) {
                        d += (double) a[i * k + p] * b[p * N + j];
                        chain = Math.fma(a[i * k + p], b[p * N + j], chain);
                    }
                    c += chain;
                }
                exact[i * N + j] = d;
                sliceChains[i * N + j] = c;
            }
        }
        float[] got = sgemm(a, b, k);
        double errGemm = relativeError(got, exact);
        double errSlice = relativeError(sliceChains, exact);
        System.out.printf("k=%d CHAIN=%d: sgemm relative error %.3e, one chain per K slice %.3e (ratio %.2f)%n",
                k, CpuSgemm.CHAIN, errGemm, errSlice, errGemm / errSlice);
        if (kc > CpuSgemm.CHAIN) {
            // Random-walk rounding: a chain of n terms errs about sqrt(n); kc / CHAIN >= 2 here, so the
            // expected ratio is at most 1 / sqrt(2) ~ 0.71 (0.5 or less at CHAIN <= kc / 4).
            double bound = Math.sqrt((double) CpuSgemm.CHAIN / kc) * 1.25;
            assertTrue(errGemm < Math.min(0.8, bound) * errSlice,
                    "sgemm error " + errGemm + " not clearly under one chain per slice " + errSlice);
        }
    }

    @ParameterizedTest(name = "k={0}")
    @ValueSource(ints = {40, 97, CpuSgemm.CHAIN})
    void shortProductsAreOneChain(int k) {
        var rnd = new Random(k);
        float[] a = random(rnd, M * k);
        float[] b = random(rnd, k * N);
        float[] got = sgemm(a, b, k);
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                float chain = 0f;
                for (int p = 0; p < k; p++) {
                    chain = Math.fma(a[i * k + p], b[p * N + j], chain);
                }
                assertEquals(Float.floatToRawIntBits(chain), Float.floatToRawIntBits(got[i * N + j]),
                        "C[" + i + "," + j + "] k=" + k);
            }
        }
    }

    private static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = rnd.nextFloat() * 2f - 1f;
        }
        return v;
    }

    /** C = A * B (M x k times k x N, row-major, alpha 1, beta 0) through CpuSgemm on this thread. */
    private static float[] sgemm(float[] a, float[] b, int k) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment as = arena.allocateFrom(F, a);
            MemorySegment bs = arena.allocateFrom(F, b);
            MemorySegment cs = arena.allocate((long) M * N * Float.BYTES, 64);
            CpuSgemm.sgemm(false, false, M, N, k, 1f, as, 0, k, bs, 0, N, 0f, cs, 0, N);
            return cs.toArray(F);
        }
    }

    private static double relativeError(float[] got, double[] exact) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < got.length; i++) {
            double e = got[i] - exact[i];
            num += e * e;
            den += exact[i] * exact[i];
        }
        return Math.sqrt(num / den);
    }
}
