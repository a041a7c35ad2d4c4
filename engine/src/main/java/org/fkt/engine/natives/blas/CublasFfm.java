// cuBLAS 13/12 through java.lang.foreign: handle, stream, math mode and SGEMM on raw device addresses.
package org.fkt.engine.natives.blas;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fkt.engine.natives.NativeLibrary;
import org.fkt.engine.natives.NativeLibraryException;

/**
 * The "ffm" cuBLAS provider. Device pointers and the stream are passed as 64-bit integers (the same
 * register class as a pointer in the x86-64 and AArch64 C ABIs); alpha and beta as host pointers
 * (cuBLAS's default pointer mode).
 */
public final class CublasFfm implements Blas {

    private static final int CUBLAS_OP_N = 0;
    private static final int CUBLAS_OP_T = 1;
    private static final int CUBLAS_DEFAULT_MATH = 0;
    private static final int CUBLAS_TF32_TENSOR_OP_MATH = 3;

    /** The C signatures bound (cublas_api.h; handle = pointer, status and enums = int). */
    public static final Map<String, FunctionDescriptor> SIGNATURES = signatures();

    private final Path file;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment handle;
    private final MemorySegment alpha;
    private final MemorySegment beta;
    private final MethodHandle setStream;
    private final MethodHandle setMathMode;
    private final MethodHandle sgemm;
    private final MethodHandle destroy;
    private final String version;
    private boolean closed;

    /**
     * Loads {@code file} (libcublas.so.13/.12, with libcublasLt from the same folder) and creates a handle,
     * which is destroyed again if a later step of the construction fails.
     */
    public CublasFfm(Path file) {
        this.file = file;
        var lib = NativeLibrary.open(file, List.of("libcublasLt.so.13", "libcublasLt.so.12"));
        MethodHandle create = lib.downcall("cublasCreate_v2", SIGNATURES.get("cublasCreate_v2"));
        MethodHandle getVersion = lib.downcall("cublasGetVersion_v2", SIGNATURES.get("cublasGetVersion_v2"));
        setStream = lib.downcall("cublasSetStream_v2", SIGNATURES.get("cublasSetStream_v2"));
        setMathMode = lib.downcall("cublasSetMathMode", SIGNATURES.get("cublasSetMathMode"));
        sgemm = lib.downcall("cublasSgemm_v2", SIGNATURES.get("cublasSgemm_v2"));
        destroy = lib.downcall("cublasDestroy_v2", SIGNATURES.get("cublasDestroy_v2"));
        MemorySegment out = arena.allocate(ADDRESS);
        try {
            check(NativeLibrary.callInt(create, "cublasCreate_v2", out), "cublasCreate_v2");
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
        handle = out.get(ADDRESS, 0);
        try {
            MemorySegment v = arena.allocate(JAVA_INT);
            check(NativeLibrary.callInt(getVersion, "cublasGetVersion_v2", handle, v), "cublasGetVersion_v2");
            version = decodeVersion(v.get(JAVA_INT, 0));
            alpha = arena.allocate(JAVA_FLOAT);
            beta = arena.allocate(JAVA_FLOAT);
            setTf32(false);
        } catch (RuntimeException e) {
            NativeLibrary.callInt(destroy, "cublasDestroy_v2", handle);
            arena.close();
            throw e;
        }
    }

    @Override
    public String provider() {
        return "ffm";
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public synchronized void setStream(long cuStream) {
        check(NativeLibrary.callInt(setStream, "cublasSetStream_v2", handle, cuStream), "cublasSetStream_v2");
    }

    @Override
    public synchronized void setTf32(boolean on) {
        int mode = on ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH;
        check(NativeLibrary.callInt(setMathMode, "cublasSetMathMode", handle, mode), "cublasSetMathMode");
    }

    @Override
    public synchronized void sgemm(boolean transA, boolean transB, int m, int n, int k, float alphaValue, long a,
                                   int lda, long b, int ldb, float betaValue, long c, int ldc) {
        alpha.set(JAVA_FLOAT, 0, alphaValue);
        beta.set(JAVA_FLOAT, 0, betaValue);
        int status = invokeSgemm(sgemm, handle, transA ? CUBLAS_OP_T : CUBLAS_OP_N,
                transB ? CUBLAS_OP_T : CUBLAS_OP_N, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        if (status != 0) {
            throw new NativeLibraryException("cublasSgemm_v2(m=" + m + ", n=" + n + ", k=" + k + ", lda=" + lda
                    + ", ldb=" + ldb + ", ldc=" + ldc + ", transA=" + transA + ", transB=" + transB + ") returned "
                    + statusName(status) + " (" + file + ")");
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            NativeLibrary.callInt(destroy, "cublasDestroy_v2", handle);
            arena.close();
        }
    }

    /** The exact-typed call of cublasSgemm_v2 (a separate method so tests can check its type against the descriptor). */
    static int invokeSgemm(MethodHandle h, MemorySegment handle, int opA, int opB, int m, int n, int k,
                           MemorySegment alpha, long a, int lda, long b, int ldb, MemorySegment beta, long c, int ldc) {
        try {
            return (int) h.invokeExact(handle, opA, opB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        } catch (Throwable t) {
            throw new NativeLibraryException("cublasSgemm_v2 failed: " + t, t);
        }
    }

    /** cuBLAS 11+ encodes its version as major * 10000 + minor * 100 + patch (cublas_api.h CUBLAS_VERSION). */
    public static String decodeVersion(int v) {
        return (v / 10000) + "." + (v / 100 % 100) + "." + (v % 100);
    }

    /** The cublasStatus_t names of cublas_api.h. */
    public static String statusName(int status) {
        return switch (status) {
            case 0 -> "CUBLAS_STATUS_SUCCESS";
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "cublasStatus " + status;
        };
    }

    private void check(int status, String call) {
        if (status != 0) {
            throw new NativeLibraryException(call + " returned " + statusName(status) + " (" + file + ")"
                    + (status == 1 ? ": no CUDA context or no usable GPU" : ""));
        }
    }

    private static Map<String, FunctionDescriptor> signatures() {
        var m = new LinkedHashMap<String, FunctionDescriptor>();
        m.put("cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("cublasGetVersion_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        m.put("cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        m.put("cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        // (handle, transa, transb, m, n, k, *alpha, A, lda, B, ldb, *beta, C, ldc)
        m.put("cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        return Map.copyOf(m);
    }
}
