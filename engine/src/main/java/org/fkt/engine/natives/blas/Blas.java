// The narrow cuBLAS interface the CUDA backend codes against: one float32 GEMM on raw device pointers.
package org.fkt.engine.natives.blas;

/**
 * A cuBLAS handle behind one of two providers (JCublas or a java.lang.foreign binding). All pointers are
 * raw device addresses; matrices are column-major, as in cuBLAS itself.
 */
public interface Blas extends AutoCloseable {

    /** Which binding serves this handle, e.g. "jcublas" or "ffm". */
    String provider();

    /** The library version as cuBLAS reports it, e.g. "13.0.2" (from cublasGetVersion). */
    String version();

    /** Makes every following call run on the CUDA stream {@code cuStream} (a CUstream address; 0 = default). */
    void setStream(long cuStream);

    /** TF32 tensor-core math for GEMMs when {@code on}, plain float32 (the default) otherwise. */
    void setTf32(boolean on);

    /** column-major C = alpha op(A) op(B) + beta C, device pointers as raw addresses */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda, long b, int ldb,
               float beta, long c, int ldc);

    /** Destroys the handle; idempotent. */
    @Override
    void close();
}
