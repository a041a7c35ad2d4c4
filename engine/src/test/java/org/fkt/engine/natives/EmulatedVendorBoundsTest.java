// Under the CPU emulator only: the fake cuBLAS/cuDNN refuse operands that run past their cuMemAlloc
// allocation (where a GPU would fault), so engine bugs in sizes or leading dimensions fail loudly there.
package org.fkt.engine.natives;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.fkt.engine.natives.EmulatedVendorLibsTest.create;
import static org.fkt.engine.natives.EmulatedVendorLibsTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.fkt.engine.natives.blas.CublasFfm;
import org.fkt.engine.natives.dnn.CudnnFfm;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("gpu")
class EmulatedVendorBoundsTest {

    private static final int CUBLAS_STATUS_EXECUTION_FAILED = 13;
    private static final int CUDNN_STATUS_EXECUTION_FAILED = 5000;

    private static TestCuda cuda;
    private static Path dir;

    @BeforeAll
    static void emulator() {
        boolean emulated = Boolean.getBoolean("fkt.cuda.emulated");
        String where = System.getProperty("fkt.cublas.path");
        if (!emulated || where == null) {
            System.out.println("EmulatedVendorBoundsTest skipped: not the CUDA emulator's run (fkt.cuda.emulated, "
                    + "fkt.cublas.path unset)");
        }
        Assumptions.assumeTrue(emulated && where != null, "not the CUDA emulator's run");
        dir = Path.of(where);
        cuda = TestCuda.open(CudaDriverInfo.probe());
    }

    @Test
    void sgemmOperandsPastTheirAllocationAreRefused() {
        try (var blas = new CublasFfm(dir.resolve("libcublas.so.13"))) {
            long a = cuda.upload(new float[16]);
            long b = cuda.upload(new float[16]);
            long c = cuda.upload(new float[16]);
            blas.sgemm(false, false, 4, 4, 4, 1f, a, 4, b, 4, 0f, c, 4);
            assertEquals(0f, cuda.download(c, 16)[15], "4 x 4 product of zeros");
            // lda 5 is a valid leading dimension for m = 4, but A's last column then ends 12 bytes past 64
            var e = assertThrows(NativeLibraryException.class,
                    () -> blas.sgemm(false, false, 4, 4, 4, 1f, a, 5, b, 4, 0f, c, 4));
            assertTrue(e.getMessage().contains("CUBLAS_STATUS_EXECUTION_FAILED"), e.getMessage());
            assertThrows(NativeLibraryException.class, () -> blas.sgemm(false, false, 4, 4, 4, 1f, a, 4, b, 4, 0f,
                    c + 4, 4), "C shifted by one float");
            cuda.free(a, b, c);
        }
    }

    @Test
    void convolutionOperandsAndWorkspacePastTheirAllocationAreRefused() {
        var dnn = new EmuRef.Raw(dir.resolve("libcudnn.so.9"), CudnnFfm.SIGNATURES);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment h = create(dnn, arena, "cudnnCreate");
            MemorySegment xd = create(dnn, arena, "cudnnCreateTensorDescriptor");
            MemorySegment yd = create(dnn, arena, "cudnnCreateTensorDescriptor");
            MemorySegment wd = create(dnn, arena, "cudnnCreateFilterDescriptor");
            MemorySegment cd = create(dnn, arena, "cudnnCreateConvolutionDescriptor");
            // x (1, 2, 5, 5), w (3, 2, 3, 3), pad 1 -> y (1, 3, 5, 5)
            ok(dnn.call("cudnnSetTensor4dDescriptor", xd, 0, 0, 1, 2, 5, 5));
            ok(dnn.call("cudnnSetFilter4dDescriptor", wd, 0, 0, 3, 2, 3, 3));
            ok(dnn.call("cudnnSetTensor4dDescriptor", yd, 0, 0, 1, 3, 5, 5));
            ok(dnn.call("cudnnSetConvolution2dDescriptor", cd, 1, 1, 1, 1, 1, 1, 1, 0));
            MemorySegment one = arena.allocateFrom(JAVA_FLOAT, 1f);
            MemorySegment zero = arena.allocateFrom(JAVA_FLOAT, 0f);
            long x = cuda.upload(new float[50]);
            long w = cuda.upload(new float[54]);
            long y = cuda.alloc(75);
            long shortY = cuda.alloc(74);
            long ws = cuda.alloc(54);
            long shortWs = cuda.alloc(53);
            String run = "cudnnConvolutionForward";
            // algorithm 1 stages the 54-float filter in the workspace
            ok(dnn.call(run, h, one, xd, x, wd, w, cd, 1, ws, 216L, zero, yd, y));
            assertEquals(CUDNN_STATUS_EXECUTION_FAILED, dnn.call(run, h, one, xd, x, wd, w, cd, 1, ws, 216L, zero, yd,
                    shortY), "y one float short");
            assertEquals(CUDNN_STATUS_EXECUTION_FAILED, dnn.call(run, h, one, xd, x, wd, w, cd, 1, shortWs, 216L,
                    zero, yd, y), "workspace claimed 216 bytes, allocated 212");
            assertEquals(CUDNN_STATUS_EXECUTION_FAILED, dnn.call(run, h, one, xd, x + 4, wd, w, cd, 0, 0L, 0L, zero,
                    yd, y), "x shifted by one float");
            cuda.free(x, w, y, shortY, ws, shortWs);
            ok(dnn.call("cudnnDestroy", h));
        }
    }
}
