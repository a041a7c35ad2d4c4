// The exact-typed convolution call site against the types the linker gives the three cuDNN descriptors.
package org.fkt.engine.natives.dnn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.util.List;
import org.fkt.engine.natives.NativeLibrary;
import org.junit.jupiter.api.Test;

class CudnnFfmCallTest {

    private static long seen;

    /** Stands in for cudnnConvolution{Forward,BackwardData,BackwardFilter} with the downcalls' Java types. */
    static int fakeConvolution(MemorySegment h, MemorySegment alpha, MemorySegment aDesc, long a, MemorySegment bDesc,
                               long b, MemorySegment conv, int algo, long ws, long wsBytes, MemorySegment beta,
                               MemorySegment outDesc, long out) {
        seen = a * 100_000 + b * 10_000 + algo * 1_000L + ws * 100 + wsBytes * 10 + out;
        return 3;
    }

    @Test
    void convolutionCallSiteHasTheDowncallTypeForAllThreePasses() throws ReflectiveOperationException {
        var none = MemorySegment.NULL;
        for (String pass : List.of("cudnnConvolutionForward", "cudnnConvolutionBackwardData",
                "cudnnConvolutionBackwardFilter")) {
            var type = NativeLibrary.unbound(CudnnFfm.SIGNATURES.get(pass)).type().dropParameterTypes(0, 1);
            var fake = MethodHandles.lookup().findStatic(CudnnFfmCallTest.class, "fakeConvolution", type);
            seen = 0;
            int status = CudnnFfm.invokeConvolution(fake, pass, none, none, none, 1L, none, 2L, none, 3, 4L, 5L, none,
                    none, 6L);
            assertEquals(3, status, pass);
            assertEquals(123_456L, seen, pass);
        }
    }

    @Test
    void perfStructHasCsAlignment() {
        // size_t memory is 8-aligned after three 4-byte fields, and the struct ends 8-aligned: 48 bytes
        assertEquals(16, CudnnFfm.offset("memory"));
        assertEquals(28, CudnnFfm.offset("mathType"));
        assertEquals(32, CudnnFfm.offset("reserved"));
        assertEquals(48, CudnnFfm.PERF_BYTES);
        assertEquals(8, CudnnFfm.PERF.byteAlignment());
    }
}
