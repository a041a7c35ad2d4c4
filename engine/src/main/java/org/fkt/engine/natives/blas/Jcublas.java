// cuBLAS 12 through JCublas 12.6.0 (its JNI library links libcublas.so.12).
package org.fkt.engine.natives.blas;

import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import org.fkt.engine.natives.JcudaPointers;
import org.fkt.engine.natives.NativeLibraryException;

/** The "jcublas" provider: the same calls as {@link CublasFfm}, through JCublas2. */
public final class Jcublas implements Blas {

    private final cublasHandle handle = new cublasHandle();
    private final String version;
    private boolean closed;

    /**
     * Creates a handle (destroyed again if the version query fails); throws UnsatisfiedLinkError when
     * JCublas's natives or libcublas.so.12 do not load.
     */
    public Jcublas() {
        JCublas2.setExceptionsEnabled(false);
        check(JCublas2.cublasCreate(handle), "cublasCreate");
        try {
            int[] v = new int[1];
            check(JCublas2.cublasGetVersion(handle, v), "cublasGetVersion");
            version = CublasFfm.decodeVersion(v[0]);
            setTf32(false);
        } catch (RuntimeException e) {
            JCublas2.cublasDestroy(handle);
            throw e;
        }
    }

    @Override
    public String provider() {
        return "jcublas";
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public synchronized void setStream(long cuStream) {
        check(JCublas2.cublasSetStream(handle, JcudaPointers.stream(cuStream)), "cublasSetStream");
    }

    @Override
    public synchronized void setTf32(boolean on) {
        check(JCublas2.cublasSetMathMode(handle, on ? 3 : 0), "cublasSetMathMode");
    }

    @Override
    public synchronized void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, long a, int lda,
                                   long b, int ldb, float beta, long c, int ldc) {
        check(JCublas2.cublasSgemm(handle, transA ? 1 : 0, transB ? 1 : 0, m, n, k, Pointer.to(new float[] {alpha}),
                JcudaPointers.device(a), lda, JcudaPointers.device(b), ldb, Pointer.to(new float[] {beta}),
                JcudaPointers.device(c), ldc), "cublasSgemm(m=" + m + ", n=" + n + ", k=" + k + ")");
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            JCublas2.cublasDestroy(handle);
        }
    }

    private static void check(int status, String call) {
        if (status != 0) {
            throw new NativeLibraryException("JCublas " + call + " returned " + CublasFfm.statusName(status));
        }
    }
}
