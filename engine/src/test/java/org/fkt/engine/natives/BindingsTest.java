// What can be checked of the native bindings without the libraries: descriptors, load errors, decoding.
package org.fkt.engine.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.fkt.engine.natives.blas.CublasFfm;
import org.fkt.engine.natives.dnn.ConvShape;
import org.fkt.engine.natives.dnn.CudnnFfm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BindingsTest {

    @TempDir
    Path dir;

    @Test
    void everyCallDescriptorLinks() {
        for (Map<String, FunctionDescriptor> table : java.util.List.of(CublasFfm.SIGNATURES, CudnnFfm.SIGNATURES,
                CudaDriverInfo.SIGNATURES)) {
            table.forEach((name, d) -> assertNotNull(NativeLibrary.unbound(d), name));
        }
        assertTrue(CudnnFfm.SIGNATURES.containsKey("cudnnGetConvolutionBackwardFilterAlgorithm_v7"));
        assertTrue(CudnnFfm.SIGNATURES.containsKey("cudnnFindConvolutionForwardAlgorithm"));
        assertEquals(14, CublasFfm.SIGNATURES.get("cublasSgemm_v2").argumentLayouts().size());
        assertEquals(13, CudnnFfm.SIGNATURES.get("cudnnConvolutionForward").argumentLayouts().size());
    }

    @Test
    void aFileThatIsNotALibraryGivesAMessageNamingIt() throws IOException {
        Path fake = Files.createFile(dir.resolve("libcublas.so.13"));
        var e = assertThrows(NativeLibraryException.class, () -> new CublasFfm(fake));
        assertTrue(e.getMessage().contains(fake.toString()), e.getMessage());
        Path fakeDnn = Files.createFile(dir.resolve("libcudnn.so.9"));
        var d = assertThrows(NativeLibraryException.class, () -> new CudnnFfm(fakeDnn));
        assertTrue(d.getMessage().contains(fakeDnn.toString()), d.getMessage());
    }

    @Test
    void aBrokenCompanionLibraryIsNamed() throws IOException {
        Path lt = Files.createFile(dir.resolve("libcublasLt.so.13"));
        Path main = Files.createFile(dir.resolve("libcublas.so.13"));
        var e = assertThrows(NativeLibraryException.class, () -> NativeLibrary.open(main, java.util.List.of(
                "libcublasLt.so.13", "libcublasLt.so.12")));
        assertTrue(e.getMessage().contains(lt.toString()) && e.getMessage().contains("needed by libcublas.so.13"),
                e.getMessage());
    }

    @Test
    void aMissingSymbolNamesSymbolAndLibrary() {
        Path libc = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(libc), "no " + libc + " on this machine");
        var lib = NativeLibrary.open(libc, java.util.List.of());
        var e = assertThrows(NativeLibraryException.class,
                () -> lib.downcall("cublasSgemm_v2", CublasFfm.SIGNATURES.get("cublasSgemm_v2")));
        assertTrue(e.getMessage().contains("cublasSgemm_v2") && e.getMessage().contains(libc.toString()));
        assertNotNull(lib.downcall("strlen", FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_LONG,
                java.lang.foreign.ValueLayout.ADDRESS)));
    }

    @Test
    void versionsDecodeAsTheHeadersEncodeThem() {
        assertEquals("13.0.2", CublasFfm.decodeVersion(13 * 10000 + 0 * 100 + 2));
        assertEquals("12.6.4", CublasFfm.decodeVersion(120604));
        assertEquals("9.10.2", CudnnFfm.decodeVersion(9 * 10000 + 10 * 100 + 2));
        assertEquals("8.9.7", CudnnFfm.decodeVersion(8 * 1000 + 9 * 100 + 7));
    }

    @Test
    void convShapeOutputSizeAndValidation() {
        var s = new ConvShape(2, 3, 224, 224, 64, 7, 7, 2, 2, 3, 3, false);
        assertEquals(112, s.p());
        assertEquals(112, s.q());
        var t = new ConvShape(1, 8, 5, 7, 4, 3, 3, 1, 2, 0, 1, true);
        assertEquals(3, t.p());
        assertEquals(4, t.q());
        assertFalse(s.equals(new ConvShape(2, 3, 224, 224, 64, 7, 7, 2, 2, 3, 3, true)));
        assertThrows(IllegalArgumentException.class, () -> new ConvShape(1, 1, 2, 2, 1, 5, 5, 1, 1, 0, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new ConvShape(1, 1, 8, 8, 1, 3, 3, 0, 1, 0, 0, false));
    }
}
