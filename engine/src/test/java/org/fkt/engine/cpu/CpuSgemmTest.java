package org.fkt.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks {@link CpuSgemm#sgemm} against a naive double-precision reference on fresh random inputs
 * (the seed is printed), for all transpose combinations, odd sizes, padded leading dimensions,
 * nonzero offsets and beta in {0, 1, 0.5}. Sizes are chosen to reach the small, single-threaded
 * blocked and multithreaded (row- and column-split) paths, and several K/M/N blocks.
 */
class CpuSgemmTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final long SEED = System.nanoTime();
    private static final float[] BETAS = {0f, 1f, 0.5f};

    @BeforeAll
    static void printSeed() {
        System.out.println("CpuSgemmTest seed = " + SEED);
    }

    static Stream<Arguments> cases() {
        // m, n, k. Below 4096 multiply-adds: direct loops; up to ~2M: one thread; larger: rows split
        // (m >= n) or columns split. k = 2100 and 1030: several K slices; n = 600 with k = 1030:
        // several N blocks; m = 4200 (on the single-threaded confined run): several M blocks.
        int[][] sizes = {
            {1, 1, 1}, {1, 7, 3}, {7, 1, 3}, {17, 33, 5}, {64, 64, 64}, {129, 65, 257}, {300, 2, 511},
            {0, 5, 3}, {5, 0, 3}, {5, 3, 0}, {12, 32, 1}, {13, 31, 17}, {40, 700, 100}, {70, 45, 900},
            {1600, 3, 9}, {9, 1000, 20}, {200, 190, 180}, {29, 47, 31}, {23, 70, 40},
            {30, 40, 2100}, {20, 600, 1030}, {4200, 3, 1100},
        };
        List<Arguments> out = new ArrayList<>();
        for (int[] s : sizes) {
            for (int t = 0; t < 4; t++) {
                out.add(Arguments.of(s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} transA={3} transB={4}")
    @MethodSource("cases")
    void matchesReference(int m, int n, int k, boolean transA, boolean transB) {
        var rnd = new Random(SEED ^ (m * 1_000_003L + n * 10_007L + k * 101L + (transA ? 2 : 0) + (transB ? 1 : 0)));
        // A confined arena keeps sgemm on the calling thread; a shared one lets it use the pool.
        try (Arena confined = Arena.ofConfined(); Arena shared = Arena.ofShared()) {
            for (float beta : BETAS) {
                Arena arena = beta == 1f ? confined : shared;
                Problem.random(arena, rnd, m, n, k, transA, transB, 1.5f, beta).runAndCheck();
            }
        }
    }

    @Test
    void alphaZeroAndKZeroOnlyScaleC() {
        var rnd = new Random(SEED + 1);
        try (Arena arena = Arena.ofShared()) {
            for (float beta : BETAS) {
                Problem.random(arena, rnd, 33, 70, 0, false, false, 2f, beta).runAndCheck();
                Problem.random(arena, rnd, 33, 70, 20, true, false, 0f, beta).runAndCheck();
            }
        }
    }

    @Test
    void concurrentCallersUseSeparateWorkspaces() throws Exception {
        var rnd = new Random(SEED + 2);
        try (Arena arena = Arena.ofShared(); var pool = Executors.newFixedThreadPool(3)) {
            List<Problem> problems = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                problems.add(Problem.random(arena, rnd, 150 + i, 97, 300 + 50 * i, i % 2 == 0, i % 3 == 0, 1f, 0f));
            }
            List<Future<Void>> futures = new ArrayList<>();
            for (Problem p : problems) {
                futures.add(pool.submit((Callable<Void>) () -> {
                    p.runAndCheck();
                    return null;
                }));
            }
            for (Future<Void> f : futures) {
                f.get();
            }
        }
    }

    @Test
    void rejectsTooSmallLeadingDimension() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4 * 64, 64);
            assertThrows(IllegalArgumentException.class,
                    () -> CpuSgemm.sgemm(false, false, 4, 4, 4, 1f, s, 0, 3, s, 0, 4, 0f, s, 0, 4));
            assertThrows(IllegalArgumentException.class,
                    () -> CpuSgemm.sgemm(false, false, 4, 4, 4, 1f, s, 0, 4, s, 0, 4, 0f, s, 0, 3));
        }
    }

    /** One randomly laid-out problem: padded leading dimensions, random offsets, guard regions. */
    private record Problem(boolean transA, boolean transB, int m, int n, int k, float alpha, float beta,
            MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
            MemorySegment c, long cOff, int ldc, float[] cBefore) {

        static Problem random(Arena arena, Random rnd, int m, int n, int k, boolean transA, boolean transB,
                float alpha, float beta) {
            int aRows = transA ? k : m;
            int aCols = transA ? m : k;
            int bRows = transB ? n : k;
            int bCols = transB ? k : n;
            int lda = aCols + rnd.nextInt(4);
            int ldb = bCols + rnd.nextInt(4);
            int ldc = n + 1 + rnd.nextInt(4);
            long aOff = rnd.nextInt(8);
            long bOff = rnd.nextInt(8);
            long cOff = rnd.nextInt(8);
            MemorySegment a = filled(arena, rnd, aOff + (long) aRows * lda + 5);
            MemorySegment b = filled(arena, rnd, bOff + (long) bRows * ldb + 5);
            MemorySegment c = filled(arena, rnd, cOff + (long) m * ldc + 5);
            if (beta == 0f) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        c.setAtIndex(F, cOff + (long) i * ldc + j, Float.NaN);
                    }
                }
            }
            float[] before = c.toArray(F);
            return new Problem(transA, transB, m, n, k, alpha, beta, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, before);
        }

        private static MemorySegment filled(Arena arena, Random rnd, long floats) {
            MemorySegment s = arena.allocate(4 * floats, 64);
            for (long i = 0; i < floats; i++) {
                s.setAtIndex(F, i, rnd.nextFloat() * 2f - 1f);
            }
            return s;
        }

        void runAndCheck() {
            CpuSgemm.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            checkBlock();
            checkOutsideUntouched();
        }

        private float opA(int i, int p) {
            return a.getAtIndex(F, aOff + (transA ? (long) p * lda + i : (long) i * lda + p));
        }

        private float opB(int p, int j) {
            return b.getAtIndex(F, bOff + (transB ? (long) j * ldb + p : (long) p * ldb + j));
        }

        private void checkBlock() {
            // Inputs lie in [-1, 1], so |sum| <= k; float accumulation error grows at most ~k * eps.
            double atol = 1e-6 * Math.max(1, k) * Math.abs(alpha) + 1e-6;
            List<String> bad = new ArrayList<>();
            int badCount = 0;
            double[] opA = new double[m * k];
            double[] opB = new double[k * n];
            for (int p = 0; p < k; p++) {
                for (int i = 0; i < m; i++) {
                    opA[i * k + p] = opA(i, p);
                }
                for (int j = 0; j < n; j++) {
                    opB[p * n + j] = opB(p, j);
                }
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) {
                        sum += opA[i * k + p] * opB[p * n + j];
                    }
                    long idx = cOff + (long) i * ldc + j;
                    double ref = alpha * sum + (beta == 0f ? 0 : beta * (double) cBefore[(int) idx]);
                    float got = c.getAtIndex(F, idx);
                    if (!(Math.abs(got - ref) <= atol + 1e-5 * Math.abs(ref))) {
                        if (bad.size() < 5) {
                            bad.add("(" + i + "," + j + ") got " + got + " expected " + ref);
                        }
                        badCount++;
                    }
                }
            }
            if (badCount > 0) {
                fail(describe() + ": " + badCount + " mismatches, first " + bad);
            }
        }

        private void checkOutsideUntouched() {
            float[] after = c.toArray(F);
            for (int idx = 0; idx < after.length; idx++) {
                long rel = idx - cOff;
                boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
                if (!inside && Float.floatToRawIntBits(cBefore[idx]) != Float.floatToRawIntBits(after[idx])) {
                    fail(describe() + ": element " + idx + " outside C's block was modified: "
                            + cBefore[idx] + " -> " + after[idx]);
                }
            }
        }

        private String describe() {
            return "sgemm(transA=" + transA + ", transB=" + transB + ", m=" + m + ", n=" + n + ", k=" + k
                    + ", alpha=" + alpha + ", beta=" + beta + ", lda=" + lda + ", ldb=" + ldb + ", ldc=" + ldc
                    + ", offsets " + aOff + "/" + bOff + "/" + cOff + ", seed " + SEED + ")";
        }
    }
}
