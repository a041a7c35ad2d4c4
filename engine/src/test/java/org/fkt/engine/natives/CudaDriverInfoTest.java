// The driver probe's answers where there is no driver (this machine and CI); the GPU case runs in native-check.
package org.fkt.engine.natives;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CudaDriverInfoTest {

    @TempDir
    Path root;

    private LibraryLocator fake(Map<String, String> props) {
        return new LibraryLocator(new LibraryLocator.Environment(root, Map.<String, String>of()::get, props::get,
                () -> "", List::of));
    }

    private static boolean driverLoadsBySoname() {
        try {
            SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Test
    void noDriverIsAReasonNotAnException() {
        Assumptions.assumeFalse(driverLoadsBySoname(), "libcuda.so.1 is installed on this machine");
        var info = CudaDriverInfo.probe(fake(Map.of()));
        assertFalse(info.available());
        assertTrue(info.reason().startsWith("no NVIDIA driver (the dynamic loader cannot open libcuda.so.1, and "
                + "CUDA driver (libcuda.so.1) not found in"),
                info.reason());
        assertTrue(info.devices().isEmpty());
        assertTrue(FatbinProbe.load(info, new byte[] {1, 2, 3}).startsWith("not loaded: no NVIDIA driver"));
        var real = CudaDriverInfo.probe();
        assertFalse(real.available());
        assertTrue(real.reason().contains("libcuda.so.1"), real.reason());
    }

    @Test
    void aBrokenDriverFileIsNamed() throws IOException {
        Path lib = Files.createFile(root.resolve("libcuda.so.1"));
        var info = CudaDriverInfo.probe(fake(Map.of("fkt.cuda.driver.path", lib.toString())));
        assertFalse(info.available());
        assertTrue(info.reason().contains("cannot load " + lib), info.reason());
    }
}
