// Every error path of the emulator's fake cuBLAS/cuDNN through their C ABI, the algorithm lists they report,
// and the engine's messages for those errors; skipped, with the reason, when the fakes are not built.
package org.fkt.engine.natives;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.fkt.engine.natives.EmulatedVendorLibsTest.create;
import static org.fkt.engine.natives.EmulatedVendorLibsTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import org.fkt.engine.natives.blas.CublasFfm;
import org.fkt.engine.natives.dnn.ConvShape;
import org.fkt.engine.natives.dnn.CudnnFfm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EmulatedVendorErrorsTest {

    private static final int NOT_INITIALIZED = 1;
    private static final int INVALID_VALUE = 7;
    private static final int BAD_PARAM = 2000;
    private static final int NULL_POINTER = 2002;
    private static final int MISALIGNED = 2003;
    private static final int SIZE_INSUFFICIENT = 2006;
    private static final int NOT_SUPPORTED = 3000;
    private static final int NOT_SUPPORTED_DATA_TYPE = 3003;
    private static final int NOT_SUPPORTED_LAYOUT = 3004;
    private static final MemorySegment NULL = MemorySegment.NULL;
    /** perf struct offsets (cudnn_cnn.h; checked against CudnnFfm.PERF by CudnnFfmCallTest). */
    private static final long PERF_BYTES = 48;

    @BeforeEach
    void built() {
        EmuRef.assumeBuilt("EmulatedVendorErrorsTest");
    }

    @Test
    void cublasRefusesBadArguments() {
        var blas = new EmuRef.Raw(EmuRef.CUBLAS, CublasFfm.SIGNATURES);
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(INVALID_VALUE, blas.call("cublasCreate_v2", NULL), "create(NULL)");
            MemorySegment h = create(blas, arena, "cublasCreate_v2");
            MemorySegment v = arena.allocate(JAVA_INT);
            ok(blas.call("cublasGetVersion_v2", h, v));
            assertEquals(130000, v.get(JAVA_INT, 0));
            assertEquals(INVALID_VALUE, blas.call("cublasGetVersion_v2", h, NULL), "getVersion(h, NULL)");
            assertEquals(INVALID_VALUE, blas.call("cublasSetMathMode", h, 99), "math mode 99");
            ok(blas.call("cublasSetMathMode", h, 3 | 16));
            ok(blas.call("cublasSetStream_v2", h, 1234L));
            assertEquals(NOT_INITIALIZED, blas.call("cublasSetStream_v2", NULL, 0L), "setStream(NULL)");
            MemorySegment one = arena.allocateFrom(JAVA_FLOAT, 1f);
            long a = arena.allocate(JAVA_FLOAT, 64).address();
            // (handle, opA, opB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc) with 4 x 4 x 4 and valid lds
            assertEquals(0, sgemm(blas, h, 0, 0, 4, 4, 4, one, a, 4, a, 4, one, a, 4), "valid call");
            assertEquals(NOT_INITIALIZED, sgemm(blas, NULL, 0, 0, 4, 4, 4, one, a, 4, a, 4, one, a, 4), "NULL handle");
            assertEquals(INVALID_VALUE, sgemm(blas, h, 5, 0, 4, 4, 4, one, a, 4, a, 4, one, a, 4), "opA 5");
            assertEquals(INVALID_VALUE, sgemm(blas, h, 0, 0, -1, 4, 4, one, a, 4, a, 4, one, a, 4), "m < 0");
            assertEquals(INVALID_VALUE, sgemm(blas, h, 0, 0, 4, 4, 4, one, a, 3, a, 4, one, a, 4), "lda < m");
            assertEquals(INVALID_VALUE, sgemm(blas, h, 1, 0, 4, 4, 5, one, a, 4, a, 5, one, a, 4), "lda < k (opA T)");
            assertEquals(INVALID_VALUE, sgemm(blas, h, 0, 0, 4, 4, 5, one, a, 4, a, 4, one, a, 4), "ldb < k");
            assertEquals(INVALID_VALUE, sgemm(blas, h, 0, 1, 4, 5, 4, one, a, 4, a, 4, one, a, 4), "ldb < n (opB T)");
            assertEquals(INVALID_VALUE, sgemm(blas, h, 0, 0, 4, 4, 4, one, a, 4, a, 4, one, a, 3), "ldc < m");
            assertEquals(INVALID_VALUE, sgemm(blas, h, 0, 0, 4, 4, 4, NULL, a, 4, a, 4, one, a, 4), "alpha NULL");
            assertEquals(INVALID_VALUE, sgemm(blas, h, 0, 0, 4, 4, 4, one, a, 4, a, 4, NULL, a, 4), "beta NULL");
            assertEquals(INVALID_VALUE, sgemm(blas, h, 0, 0, 4, 4, 4, one, 0L, 4, a, 4, one, a, 4), "A NULL");
            assertEquals(INVALID_VALUE, sgemm(blas, h, 0, 0, 4, 4, 4, one, a, 4, a, 4, one, 0L, 4), "C NULL");
            assertEquals(0, sgemm(blas, h, 0, 0, 0, 4, 4, one, 0L, 1, 0L, 4, one, 0L, 1), "m = 0 is a no-op");
            ok(blas.call("cublasDestroy_v2", h));
            assertEquals(NOT_INITIALIZED, sgemm(blas, h, 0, 0, 4, 4, 4, one, a, 4, a, 4, one, a, 4), "destroyed");
            assertEquals(NOT_INITIALIZED, blas.call("cublasDestroy_v2", h), "destroyed twice");
        }
    }

    @Test
    void cublasFfmNamesTheStatusAndTheArguments() {
        try (var blas = new CublasFfm(EmuRef.CUBLAS); Arena arena = Arena.ofConfined()) {
            long a = arena.allocate(JAVA_FLOAT, 64).address();
            var e = assertThrows(NativeLibraryException.class,
                    () -> blas.sgemm(false, false, 4, 4, 4, 1f, a, 3, a, 4, 0f, a, 4));
            assertTrue(e.getMessage().contains("CUBLAS_STATUS_INVALID_VALUE") && e.getMessage().contains("lda=3"),
                    e.getMessage());
        }
    }

    @Test
    void cudnnRefusesBadArgumentsAndReportsItsAlgorithms() {
        var dnn = new EmuRef.Raw(EmuRef.CUDNN, CudnnFfm.SIGNATURES);
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(91000L, (long) invoke(dnn, "cudnnGetVersion"));
            assertEquals("CUDNN_STATUS_BAD_PARAM_SIZE_INSUFFICIENT", errorString(dnn, SIZE_INSUFFICIENT));
            assertEquals(NULL_POINTER, dnn.call("cudnnCreate", NULL), "create(NULL)");
            assertEquals(BAD_PARAM, dnn.call("cudnnSetStream", NULL, 0L), "setStream(NULL)");
            MemorySegment h = create(dnn, arena, "cudnnCreate");
            ok(dnn.call("cudnnSetStream", h, 99L));
            MemorySegment x = create(dnn, arena, "cudnnCreateTensorDescriptor");
            MemorySegment y = create(dnn, arena, "cudnnCreateTensorDescriptor");
            MemorySegment w = create(dnn, arena, "cudnnCreateFilterDescriptor");
            MemorySegment c = create(dnn, arena, "cudnnCreateConvolutionDescriptor");
            MemorySegment perf = arena.allocate(PERF_BYTES * 4, 8);
            MemorySegment count = arena.allocate(JAVA_INT);
            String fwd = "cudnnGetConvolutionForwardAlgorithm_v7";
            assertEquals(BAD_PARAM, dnn.call(fwd, h, x, w, c, y, 4, count, perf), "descriptors never set");
            assertEquals(BAD_PARAM, dnn.call("cudnnSetTensor4dDescriptor", x, 0, 0, 0, 3, 8, 8), "n = 0");
            assertEquals(BAD_PARAM, dnn.call("cudnnSetTensor4dDescriptor", x, 7, 0, 1, 3, 8, 8), "format 7");
            assertEquals(BAD_PARAM, dnn.call("cudnnSetTensor4dDescriptor", x, 0, 99, 1, 3, 8, 8), "data type 99");
            assertEquals(BAD_PARAM, dnn.call("cudnnSetFilter4dDescriptor", x, 0, 0, 4, 3, 3, 3), "filter on tensor");
            assertEquals(BAD_PARAM, dnn.call("cudnnSetConvolution2dDescriptor", c, 1, 1, 0, 1, 1, 1, 1, 0), "stride 0");
            assertEquals(BAD_PARAM, dnn.call("cudnnSetConvolution2dDescriptor", c, -1, 1, 1, 1, 1, 1, 1, 0), "pad -1");
            assertEquals(BAD_PARAM, dnn.call("cudnnSetConvolution2dDescriptor", c, 1, 1, 1, 1, 1, 1, 5, 0), "mode 5");
            assertEquals(BAD_PARAM, dnn.call("cudnnSetConvolutionMathType", c, 9), "math type 9");
            // x (2, 3, 8, 8), w (4, 3, 3, 3), pad 1, stride 1 -> y (2, 4, 8, 8)
            ok(dnn.call("cudnnSetTensor4dDescriptor", x, 0, 0, 2, 3, 8, 8));
            ok(dnn.call("cudnnSetFilter4dDescriptor", w, 0, 0, 4, 3, 3, 3));
            ok(dnn.call("cudnnSetConvolution2dDescriptor", c, 1, 1, 1, 1, 1, 1, 1, 0));
            ok(dnn.call("cudnnSetTensor4dDescriptor", y, 0, 0, 2, 4, 7, 8));
            assertEquals(BAD_PARAM, dnn.call(fwd, h, x, w, c, y, 4, count, perf), "output height 7, not 8");
            ok(dnn.call("cudnnSetTensor4dDescriptor", y, 0, 0, 2, 4, 8, 8));
            assertEquals(BAD_PARAM, dnn.call(fwd, h, x, x, c, y, 4, count, perf), "tensor in the filter's place");
            assertEquals(NULL_POINTER, dnn.call(fwd, NULL, x, w, c, y, 4, count, perf), "NULL handle");
            assertEquals(NULL_POINTER, dnn.call(fwd, h, x, w, c, y, 4, NULL, perf), "NULL count");
            assertEquals(BAD_PARAM, dnn.call(fwd, h, x, w, c, y, 0, count, perf), "0 requested");
            for (int math : new int[] {3, 0}) {
                ok(dnn.call("cudnnSetConvolutionMathType", c, math));
                ok(dnn.call(fwd, h, x, w, c, y, 4, count, perf));
                assertEquals(3, count.get(JAVA_INT, 0));
                int[][] want = {{1, 0, math == 3 ? 3 : 1}, {0, 0, math == 3 ? 3 : 0}, {4, NOT_SUPPORTED, math}};
                for (int i = 0; i < 3; i++) {
                    long at = i * PERF_BYTES;
                    int[] got = {perf.get(JAVA_INT, at), perf.get(JAVA_INT, at + 4), perf.get(JAVA_INT, at + 28)};
                    assertEquals(Arrays.toString(want[i]), Arrays.toString(got), "entry " + i);
                }
                assertEquals(4L * 3 * 3 * 3 * 4, perf.get(JAVA_LONG, 16), "staged filter bytes of algo 1");
                assertEquals(0L, perf.get(JAVA_LONG, PERF_BYTES + 16), "algo 0 needs no workspace");
            }
            MemorySegment size = arena.allocate(JAVA_LONG);
            String wsq = "cudnnGetConvolutionForwardWorkspaceSize";
            assertEquals(NOT_SUPPORTED, dnn.call(wsq, h, x, w, c, y, 4, size), "FFT is not emulated");
            assertEquals(BAD_PARAM, dnn.call(wsq, h, x, w, c, y, 8, size), "algo 8 out of range");
            ok(dnn.call(wsq, h, x, w, c, y, 1, size));
            long need = size.get(JAVA_LONG, 0);
            MemorySegment one = arena.allocateFrom(JAVA_FLOAT, 1f);
            MemorySegment zero = arena.allocateFrom(JAVA_FLOAT, 0f);
            long xa = arena.allocate(JAVA_FLOAT, 2 * 3 * 8 * 8).address();
            long wa = arena.allocate(JAVA_FLOAT, 4 * 3 * 3 * 3).address();
            long ya = arena.allocate(JAVA_FLOAT, 2 * 4 * 8 * 8).address();
            long ws = arena.allocate(need + 8, 16).address();
            String run = "cudnnConvolutionForward";
            ok(dnn.call(run, h, one, x, xa, w, wa, c, 1, ws, need, zero, y, ya));
            assertEquals(SIZE_INSUFFICIENT, dnn.call(run, h, one, x, xa, w, wa, c, 1, ws, need - 1, zero, y, ya),
                    "workspace one byte short");
            assertEquals(NULL_POINTER, dnn.call(run, h, one, x, xa, w, wa, c, 1, 0L, need, zero, y, ya),
                    "NULL workspace");
            assertEquals(MISALIGNED, dnn.call(run, h, one, x, xa, w, wa, c, 1, ws + 4, need, zero, y, ya),
                    "misaligned workspace");
            ok(dnn.call(run, h, one, x, xa, w, wa, c, 0, 0L, 0L, zero, y, ya));
            assertEquals(NOT_SUPPORTED, dnn.call(run, h, one, x, xa, w, wa, c, 4, ws, need, zero, y, ya), "FFT");
            assertEquals(NULL_POINTER, dnn.call(run, h, NULL, x, xa, w, wa, c, 0, 0L, 0L, zero, y, ya), "NULL alpha");
            assertEquals(NULL_POINTER, dnn.call(run, h, one, x, 0L, w, wa, c, 0, 0L, 0L, zero, y, ya), "NULL x");
            MemorySegment reason = arena.allocate(256);
            assertEquals(NULL_POINTER, dnn.call(run, h, one, x, xa, w, wa, c, 1, 0L, need, zero, y, ya));
            lastError(dnn, reason);
            assertTrue(reason.getString(0).contains("workspace is null"), reason.getString(0));
            // Valid but not emulated: NHWC, half precision
            ok(dnn.call("cudnnSetTensor4dDescriptor", x, 1, 0, 2, 3, 8, 8));
            assertEquals(NOT_SUPPORTED_LAYOUT, dnn.call(fwd, h, x, w, c, y, 4, count, perf), "NHWC");
            ok(dnn.call("cudnnSetTensor4dDescriptor", x, 0, 2, 2, 3, 8, 8));
            assertEquals(BAD_PARAM, dnn.call(fwd, h, x, w, c, y, 4, count, perf), "half x, float w and y");
            ok(dnn.call("cudnnSetTensor4dDescriptor", y, 0, 2, 2, 4, 8, 8));
            ok(dnn.call("cudnnSetFilter4dDescriptor", w, 2, 0, 4, 3, 3, 3));
            assertEquals(NOT_SUPPORTED_DATA_TYPE, dnn.call(fwd, h, x, w, c, y, 4, count, perf), "half everywhere");
            ok(dnn.call("cudnnSetTensor4dDescriptor", x, 0, 0, 2, 5, 8, 8));
            ok(dnn.call("cudnnSetTensor4dDescriptor", y, 0, 0, 2, 4, 8, 8));
            ok(dnn.call("cudnnSetFilter4dDescriptor", w, 0, 0, 4, 3, 3, 3));
            assertEquals(BAD_PARAM, dnn.call(fwd, h, x, w, c, y, 4, count, perf), "5 input channels, 3 in filters");
            ok(dnn.call("cudnnDestroyTensorDescriptor", x));
            assertEquals(BAD_PARAM, dnn.call("cudnnDestroyTensorDescriptor", x), "destroyed twice");
            assertEquals(BAD_PARAM, dnn.call("cudnnDestroyFilterDescriptor", y), "tensor destroyed as a filter");
            ok(dnn.call("cudnnDestroyTensorDescriptor", y));
            ok(dnn.call("cudnnDestroyFilterDescriptor", w));
            ok(dnn.call("cudnnDestroyConvolutionDescriptor", c));
            ok(dnn.call("cudnnDestroy", h));
            assertEquals(BAD_PARAM, dnn.call("cudnnDestroy", h), "handle destroyed twice");
        }
    }

    @Test
    void cudnnFfmRefusesAShortWorkspaceBeforeCallingCudnn() {
        try (var dnn = new CudnnFfm(EmuRef.CUDNN); Arena arena = Arena.ofConfined()) {
            var s = new ConvShape(1, 2, 6, 6, 3, 3, 3, 1, 1, 1, 1, false);
            assertTrue(dnn.workspaceBytes(s) > 0, "the heuristic choice needs a workspace");
            long p = arena.allocate(4096, 16).address();
            var e = assertThrows(NativeLibraryException.class, () -> dnn.convForward(s, p, p, p, p, 0));
            assertTrue(e.getMessage().contains("cuDNN forward for " + s + " needs a workspace of ")
                    && e.getMessage().contains("got 0"), e.getMessage());
        }
    }

    /** A workspace limit below every algorithm's need: the engine's message lists them, no descriptor leaks. */
    @Test
    void cudnnFfmWithoutAUsableAlgorithmSaysWhyAndDestroysItsDescriptors() {
        var count = NativeLibrary.open(EmuRef.CUDNN, List.of()).downcall("fktEmuCudnnLiveObjects",
                FunctionDescriptor.of(JAVA_LONG));
        try (CudnnFfm dnn = EmulatedVendorLibsTest.open(null, "-1")) {
            long before = (long) invoke(count);
            var s = new ConvShape(1, 2, 6, 6, 3, 3, 3, 1, 1, 1, 1, false);
            var e = assertThrows(NativeLibraryException.class, () -> dnn.workspaceBytes(s));
            assertTrue(e.getMessage().contains("no usable ConvolutionForward algorithm for " + s
                    + " within -Dfkt.cudnn.workspace.max=-1 bytes; algo 1(status 0, 216 B, math 3) algo 0(status 0, "
                    + "0 B, math 3) algo 4(status 3000, 0 B, math 3)"), e.getMessage());
            assertEquals(before, (long) invoke(count), "cuDNN objects left behind by the failed plan");
        }
    }

    /**
     * -Dfkt.cudnn.deterministic=true refuses the algorithms cuDNN reports as nondeterministic: with no
     * workspace allowed, backward-data is left with none (its workspace-free algorithm 0 is nondeterministic,
     * as on real cuDNN), and says so; without the option the same limit is met by that algorithm; with the
     * default limit the deterministic algorithms are chosen.
     */
    @Test
    void cudnnFfmDeterministicOptionRefusesNondeterministicAlgorithms() {
        var s = new ConvShape(1, 2, 6, 6, 3, 3, 3, 1, 1, 1, 1, false);
        try (CudnnFfm dnn = EmulatedVendorLibsTest.open(null, "0", "true")) {
            var e = assertThrows(NativeLibraryException.class, () -> dnn.workspaceBytes(s));
            assertTrue(e.getMessage().contains("no usable ConvolutionBackwardData algorithm for " + s
                    + " within -Dfkt.cudnn.workspace.max=0 bytes (deterministic algorithms only,"
                    + " -Dfkt.cudnn.deterministic=true);") && e.getMessage().contains("algo 0(status 0, 0 B, math 3,"
                    + " nondeterministic)"), e.getMessage());
        }
        try (CudnnFfm dnn = EmulatedVendorLibsTest.open(null, "0", null)) {
            assertEquals(0, dnn.workspaceBytes(s), "without the option the workspace-free algorithms serve");
        }
        try (CudnnFfm dnn = EmulatedVendorLibsTest.open(null, null, "true")) {
            assertTrue(dnn.workspaceBytes(s) > 0, "the deterministic algorithms with a workspace are chosen");
        }
    }

    private static Object invoke(java.lang.invoke.MethodHandle h) {
        try {
            return h.invoke();
        } catch (Throwable t) {
            throw new AssertionError("fktEmuCudnnLiveObjects failed", t);
        }
    }

    private static int sgemm(EmuRef.Raw blas, MemorySegment h, int opA, int opB, int m, int n, int k,
                             MemorySegment alpha, long a, int lda, long b, int ldb, MemorySegment beta, long c, int ldc) {
        return blas.call("cublasSgemm_v2", h, opA, opB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    private static Object invoke(EmuRef.Raw lib, String name, Object... args) {
        try {
            return lib.handle(name).invokeWithArguments(args);
        } catch (Throwable t) {
            throw new AssertionError(name + " failed", t);
        }
    }

    private static String errorString(EmuRef.Raw dnn, int status) {
        return ((MemorySegment) invoke(dnn, "cudnnGetErrorString", status)).reinterpret(256).getString(0);
    }

    private static void lastError(EmuRef.Raw dnn, MemorySegment into) {
        var d = FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG);
        try {
            NativeLibrary.open(EmuRef.CUDNN, List.of()).downcall("cudnnGetLastErrorString", d)
                    .invokeWithArguments(into, into.byteSize());
        } catch (Throwable t) {
            throw new AssertionError("cudnnGetLastErrorString failed", t);
        }
    }
}
