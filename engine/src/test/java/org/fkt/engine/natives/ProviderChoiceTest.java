// The provider order, forced providers and the failure message, with fake providers.
package org.fkt.engine.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProviderChoiceTest {

    private static final List<ProviderChoice.Attempt<String>> ATTEMPTS = List.of(
            new ProviderChoice.Attempt<>("jni", () -> {
                throw new UnsatisfiedLinkError("libcublas.so.12: cannot open shared object file");
            }),
            new ProviderChoice.Attempt<>("ffm", () -> "handle"));

    @Test
    void firstProviderThatLoadsWinsAndTheReasonsAreKept() {
        var c = ProviderChoice.choose("cuBLAS", null, ATTEMPTS);
        assertEquals("handle", c.instance());
        assertEquals("ffm", c.provider());
        assertTrue(c.summary().contains("jni: UnsatisfiedLinkError: libcublas.so.12"), c.summary());
        assertTrue(c.summary().contains("ffm: loaded"), c.summary());
    }

    @Test
    void aForcedProviderIsTheOnlyOneTried() {
        var c = ProviderChoice.choose("cuBLAS", "jni", ATTEMPTS);
        assertFalse(c.loaded());
        String m = c.failure().getMessage();
        assertTrue(m.contains("cuBLAS is not available") && m.contains("ffm: skipped"), m);
        var e = assertThrows(NativeLibraryException.class, () -> ProviderChoice.choose("cuBLAS", "cublas", ATTEMPTS));
        assertTrue(e.getMessage().contains("unknown provider 'cublas'"), e.getMessage());
    }

    @Test
    void jcudaLinkErrorsShrinkToOneLineNamingTheMissingLibrary() {
        var e = new UnsatisfiedLinkError("Error while loading native library \"JCublas2-12.6.0-linux-x86_64\"\n"
                + "Operating system name: Linux\n---(start of nested stack traces)---\n\tat a.b(C.java:1)\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCublas2.so: libcublas.so.12: cannot open shared object "
                + "file: No such file or directory\n\tat x.y(Z.java:2)\n---(end of nested stack traces)---");
        assertEquals("UnsatisfiedLinkError: Error while loading native library \"JCublas2-12.6.0-linux-x86_64\" "
                + "(cannot open libcublas.so.12)", ProviderChoice.oneLine(e));
    }

    @Test
    void otherExceptionsAreNotSwallowed() {
        List<ProviderChoice.Attempt<String>> bad = List.of(new ProviderChoice.Attempt<>("x", () -> {
            throw new IllegalStateException("bug");
        }));
        assertThrows(IllegalStateException.class, () -> ProviderChoice.choose("cuDNN", "auto", bad));
    }

    @Test
    void ffmAttemptNamesEveryCandidateFileThatFailed(@TempDir Path root) throws IOException {
        Path lib = root.resolve("usr/local/cuda/lib64/libcublas.so.13");
        Files.createDirectories(lib.getParent());
        Files.createFile(lib);
        var locator = new LibraryLocator(new LibraryLocator.Environment(root, Map.<String, String>of()::get,
                Map.<String, String>of()::get, () -> "", List::of));
        var c = ProviderChoice.choose("cuBLAS", "ffm", NativeLibraries.blasAttempts(locator));
        assertFalse(c.loaded());
        assertTrue(c.failure().getMessage().contains(lib.toString()), c.failure().getMessage());
    }

    @Test
    void withoutCublasTheEntryPointThrowsAClearMessage() {
        var found = new LibraryLocator(LibraryLocator.Environment.system()).locate(LibrarySpec.CUBLAS);
        Assumptions.assumeTrue(found.candidates().isEmpty(), "cuBLAS is installed here: " + found.candidates());
        var e = assertThrows(NativeLibraryException.class, NativeLibraries::blas);
        assertTrue(e.getMessage().contains("jcublas:") && e.getMessage().contains("libcublas.so.13"), e.getMessage());
        assertFalse(e.getMessage().contains("\tat "), e.getMessage());
        String report = NativeLibraries.report();
        assertTrue(report.startsWith("cuBLAS: unavailable") && report.contains("\ncuDNN: "), report);
    }
}
