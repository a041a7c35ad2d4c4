package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Placeholder row-major GEMM (naive); replaced by the blocked kernel. */
public final class CpuDgemm {
    private CpuDgemm() {
    }

    public static void dgemm(boolean transA, boolean transB, int m, int n, int k, double alpha,
                             MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                             double beta, MemorySegment c, long cOff, int ldc) {
        CpuParallel.forRange(m, 1, (i0, i1) -> {
            for (int i = i0; i < i1; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        double av = a.getAtIndex(ValueLayout.JAVA_DOUBLE, aOff + (transA ? (long) p * lda + i : (long) i * lda + p));
                        double bv = b.getAtIndex(ValueLayout.JAVA_DOUBLE, bOff + (transB ? (long) j * ldb + p : (long) p * ldb + j));
                        s += av * bv;
                    }
                    long ci = cOff + (long) i * ldc + j;
                    double old = beta == 0 ? 0 : beta * c.getAtIndex(ValueLayout.JAVA_DOUBLE, ci);
                    c.setAtIndex(ValueLayout.JAVA_DOUBLE, ci, (double) (alpha * s + old));
                }
            }
        });
    }
}
