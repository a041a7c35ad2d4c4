package org.fkt.engine.cpu;

import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;

/**
 * Dense linear algebra on CPU tensors: matmul with transposes (float32 through {@link CpuSgemm},
 * float64 through {@link CpuDgemm}), the bias add of a linear layer (float32 through
 * the vector loops of {@link CpuFloats}) and its gradient.
 */
final class CpuGemm {
    private CpuGemm() {
    }

    /** c = alpha * op(a) @ op(b) + beta * c for contiguous 2-D tensors. */
    static void matmul(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, double alpha, double beta) {
        int m = c.dim(0);
        int n = c.dim(1);
        int k = transA ? a.dim(0) : a.dim(1);
        gemm(c, transA, transB, m, n, k, alpha,
                a, a.offset(), a.dim(1), b, b.offset(), b.dim(1), beta, c.offset(), n);
    }

    /**
     * Row-major GEMM on raw element offsets into the storages of {@code a}, {@code b} and {@code c}
     * (which fixes the element type); used by the convolutions on sub-blocks of their tensors.
     */
    static void gemm(Tensor c, boolean transA, boolean transB, int m, int n, int k, double alpha,
                     Tensor a, long aOff, int lda, Tensor b, long bOff, int ldb, double beta, long cOff, int ldc) {
        switch (c.dtype()) {
            case FLOAT32 -> CpuSgemm.sgemm(transA, transB, m, n, k, (float) alpha,
                    CpuBuf.segment(a), aOff, lda, CpuBuf.segment(b), bOff, ldb, (float) beta, CpuBuf.segment(c), cOff, ldc);
            case FLOAT64 -> CpuDgemm.dgemm(transA, transB, m, n, k, alpha,
                    CpuBuf.segment(a), aOff, lda, CpuBuf.segment(b), bOff, ldb, beta, CpuBuf.segment(c), cOff, ldc);
            case INT32, INT64 -> throw new IllegalArgumentException("matmul: " + c.dtype().label() + " is not supported");
        }
    }

    /** x[n, f] += bias[f]. x: (N, F), bias: (F). */
    static void addRowVector(Tensor x, Tensor bias) {
        CpuBuf xb = CpuBuf.of(x);
        CpuBuf bb = CpuBuf.of(bias);
        int rows = x.dim(0);
        int f = x.dim(1);
        boolean f32 = x.dtype() == DType.FLOAT32;
        CpuParallel.forRange(rows, Math.max(1, 4096 / Math.max(1, f)), (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                long row = (long) r * f;
                if (f32) {
                    CpuFloats.axpy(xb.segment, xb.base + row, 1f, bb.segment, bb.base, f);
                    continue;
                }
                for (int j = 0; j < f; j++) {
                    xb.set(row + j, xb.get(row + j) + bb.get(j));
                }
            }
        });
    }

    /** out[f] = sum over rows of x[n, f], in double. x: (N, F), out: (F). */
    static void sumRows(Tensor x, Tensor out) {
        CpuBuf xb = CpuBuf.of(x);
        CpuBuf ob = CpuBuf.of(out);
        int rows = x.dim(0);
        int f = x.dim(1);
        CpuParallel.forRange(f, 64, (j0, j1) -> {
            for (int j = j0; j < j1; j++) {
                double s = 0;
                for (int r = 0; r < rows; r++) {
                    s += xb.get((long) r * f + j);
                }
                ob.set(j, s);
            }
        });
    }
}
