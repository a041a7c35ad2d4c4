// The exact-typed SGEMM call site against the type the linker gives the cublasSgemm_v2 descriptor.
package org.fkt.engine.natives.blas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import org.fkt.engine.natives.NativeLibrary;
import org.junit.jupiter.api.Test;

class CublasFfmCallTest {

    private static long seen;

    /** Stands in for cublasSgemm_v2 with the downcall's Java types; records its arguments. */
    static int fakeSgemm(MemorySegment h, int opA, int opB, int m, int n, int k, MemorySegment alpha, long a, int lda,
                         long b, int ldb, MemorySegment beta, long c, int ldc) {
        seen = a * 1_000_000 + b * 1_000 + c + m + n + k + lda + ldb + ldc + opA + 2L * opB;
        return 13;
    }

    @Test
    void sgemmCallSiteHasTheDowncallType() throws ReflectiveOperationException {
        var type = NativeLibrary.unbound(CublasFfm.SIGNATURES.get("cublasSgemm_v2")).type().dropParameterTypes(0, 1);
        var fake = MethodHandles.lookup().findStatic(CublasFfmCallTest.class, "fakeSgemm", type);
        var none = MemorySegment.NULL;
        int status = CublasFfm.invokeSgemm(fake, none, 1, 0, 2, 3, 4, none, 5L, 6, 7L, 8, none, 9L, 10);
        assertEquals(13, status);
        assertEquals(5_000_000L + 7_000 + 9 + 2 + 3 + 4 + 6 + 8 + 10 + 1, seen);
    }
}
