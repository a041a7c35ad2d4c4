package org.fkt.engine.cuda;

import org.fkt.engine.natives.blas.Blas;
import org.fkt.engine.tensor.Tensor;

/**
 * Row-major matrix products through the column-major cuBLAS SGEMM: a row-major (r x c) matrix is a
 * column-major (c x r) one, so C = op(A) op(B) is computed as C^T = op(B)^T op(A)^T with the operands
 * swapped. a: (M, K) or (K, M) when transposed; b: (K, N) or (N, K); c: (M, N).
 */
final class CudaGemm {
    private CudaGemm() {
    }

    /**
     * The cuBLAS call for row-major {@code c = alpha * op(a) op(b) + beta * c}: {m, n, k, lda, ldb, ldc}
     * as cuBLAS sees them (its A operand is our b, its B operand our a).
     */
    static int[] columnMajorCall(int aRows, int aCols, boolean transA, int bRows, int bCols, boolean transB) {
        int m = transA ? aCols : aRows;
        int k = transA ? aRows : aCols;
        int n = transB ? bRows : bCols;
        // cuBLAS computes C^T (n x m) = op(B)^T (n x k) op(A)^T (k x m)
        return new int[] {n, m, k, bCols, aCols, n};
    }

    static void matmul(CudaDriver d, Blas blas, Tensor a, boolean transA, Tensor b, boolean transB, Tensor c,
                       double alpha, double beta) {
        CudaBuf.requireFloat32("matmul", a, b, c);
        int[] call = columnMajorCall(a.dim(0), a.dim(1), transA, b.dim(0), b.dim(1), transB);
        if (call[0] == 0 || call[1] == 0) {
            return;
        }
        d.enter();
        blas.sgemm(transB, transA, call[0], call[1], call[2], (float) alpha, CudaBuf.address(b),
                Math.max(1, call[3]), CudaBuf.address(a), Math.max(1, call[4]), (float) beta, CudaBuf.address(c),
                Math.max(1, call[5]));
    }
}
