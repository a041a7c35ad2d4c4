package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float64 GEMM for reference and gradient checks: C = alpha * op(A) * op(B) + beta * C on row-major
 * off-heap matrices, same contract as {@link CpuSgemm#sgemm} (sizes, offsets and leading dimensions
 * in elements; beta == 0 ignores C's old content).
 *
 * <p>Correct and cache-friendly rather than fast: a KB x NB block of op(B) is copied (transposing if
 * needed) into a row-major double[] that stays in L2, then every row of C in the block accumulates
 * row-of-A times block with vectorized axpys (i-k-j order). Rows are split across {@link CpuParallel}
 * when the segments are shared; a confined arena keeps everything on the calling thread.
 */
public final class CpuDgemm {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE;
    private static final int KB = 256;
    private static final int NB = 512;
    private static final int ROW_GRAIN_FLOPS = 1 << 16;
    private static final Thread PROBE = Thread.ofVirtual().unstarted(() -> { });

    private CpuDgemm() {
    }

    public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
            MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
            double beta, MemorySegment c, long cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0 || aOff < 0 || bOff < 0 || cOff < 0) {
            throw new IllegalArgumentException("negative size or offset: " + m + "x" + n + "x" + k);
        }
        if (lda < (transA ? m : k) || ldb < (transB ? k : n) || ldc < n) {
            throw new IllegalArgumentException("leading dimension too small: lda=" + lda + " ldb=" + ldb
                    + " ldc=" + ldc);
        }
        if (m == 0 || n == 0) {
            return;
        }
        var job = new Job(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        if (k == 0 || alpha == 0) {
            scaleRows(job, 0, m);
            return;
        }
        boolean parallel = a.isAccessibleBy(PROBE) && b.isAccessibleBy(PROBE) && c.isAccessibleBy(PROBE);
        for (int jc = 0; jc < n; jc += NB) {
            int nb = Math.min(NB, n - jc);
            for (int pc = 0; pc < k; pc += KB) {
                int kb = Math.min(KB, k - pc);
                double[] block = packB(job, pc, kb, jc, nb);
                boolean first = pc == 0;
                int j0 = jc;
                int p0 = pc;
                CpuParallel.RangeBody rows = (i0, i1) -> accumulateRows(job, block, i0, i1, p0, kb, j0, nb, first);
                if (parallel) {
                    CpuParallel.forRange(m, Math.max(1, ROW_GRAIN_FLOPS / (kb * nb)), rows);
                } else {
                    rows.run(0, m);
                }
            }
        }
    }

    /** Copies op(B)[pc:pc+kb, jc:jc+nb] into a row-major kb x nb array. */
    private static double[] packB(Job j, int pc, int kb, int jc, int nb) {
        double[] block = new double[kb * nb];
        for (int p = 0; p < kb; p++) {
            for (int x = 0; x < nb; x++) {
                long idx = j.transB ? (long) (jc + x) * j.ldb + pc + p : (long) (pc + p) * j.ldb + jc + x;
                block[p * nb + x] = j.b.getAtIndex(D, j.bOff + idx);
            }
        }
        return block;
    }

    /**
     * For rows i0..i1: C[i, jc:jc+nb] = (first ? beta * C : C) + alpha * op(A)[i, pc:pc+kb] * block.
     */
    private static void accumulateRows(Job j, double[] block, int i0, int i1, int pc, int kb, int jc, int nb,
            boolean first) {
        double[] aRow = new double[kb];
        double[] acc = new double[nb];
        for (int i = i0; i < i1; i++) {
            for (int p = 0; p < kb; p++) {
                long idx = j.transA ? (long) (pc + p) * j.lda + i : (long) i * j.lda + pc + p;
                aRow[p] = j.a.getAtIndex(D, j.aOff + idx);
            }
            Arrays.fill(acc, 0);
            for (int p = 0; p < kb; p++) {
                axpy(aRow[p], block, p * nb, acc, nb);
            }
            long row = j.cOff + (long) i * j.ldc + jc;
            for (int x = 0; x < nb; x++) {
                double old = first ? (j.beta == 0 ? 0 : j.beta * j.c.getAtIndex(D, row + x))
                        : j.c.getAtIndex(D, row + x);
                j.c.setAtIndex(D, row + x, old + j.alpha * acc[x]);
            }
        }
    }

    /** acc[0:n] += s * src[off:off+n]. */
    private static void axpy(double s, double[] src, int off, double[] acc, int n) {
        var sv = DoubleVector.broadcast(S, s);
        int x = 0;
        for (int end = S.loopBound(n); x < end; x += S.length()) {
            DoubleVector.fromArray(S, src, off + x).fma(sv, DoubleVector.fromArray(S, acc, x)).intoArray(acc, x);
        }
        for (; x < n; x++) {
            acc[x] = Math.fma(s, src[off + x], acc[x]);
        }
    }

    private static void scaleRows(Job j, int i0, int i1) {
        for (int i = i0; i < i1; i++) {
            long row = j.cOff + (long) i * j.ldc;
            for (int x = 0; x < j.n; x++) {
                j.c.setAtIndex(D, row + x, j.beta == 0 ? 0 : j.beta * j.c.getAtIndex(D, row + x));
            }
        }
    }

    private record Job(boolean transA, boolean transB, int m, int n, int k, double alpha,
            MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
            double beta, MemorySegment c, long cOff, int ldc) {
    }
}
