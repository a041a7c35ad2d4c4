// native-check on a machine without a GPU (this one and CI): a distinct exit code and a clear message.
package org.fkt.nativecheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.fkt.engine.natives.CudaDriverInfo;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class NativeCheckTest {

    private record Run(int code, String out) {
    }

    private static Run run(String... args) {
        var bytes = new ByteArrayOutputStream();
        int code = NativeCheck.run(List.of(args), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Run(code, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void withoutAGpuItSaysSoAndExitsWithItsOwnCode() {
        var driver = CudaDriverInfo.probe();
        Assumptions.assumeFalse(driver.available(), "a GPU is present: " + driver.devices());
        var r = run();
        assertEquals(NativeCheck.NO_GPU, r.code(), r.out());
        assertTrue(r.out().contains("no GPU: " + driver.reason()), r.out());
        assertTrue(r.out().contains("libcuda.so.1"), r.out());
        assertTrue(r.out().contains("fatbin:   "), r.out());
    }

    @Test
    void theEngineTestJarsGpuTestsAreFound() {
        var bytes = new ByteArrayOutputStream();
        var result = ParitySuite.run(".*BindingsGpuTest", new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String table = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(result.found() >= 2, table);
        assertTrue(table.contains("BindingsGpuTest.sgemmMatchesFloat64ForEveryTransposeAndBothMathModes()"), table);
        if (!CudaDriverInfo.probe().available()) {
            assertEquals(result.found(), result.skipped(), table);
            assertTrue(table.contains("no GPU: "), table);
        }
    }

    @Test
    void helpAndBadArguments() {
        var help = run("--help");
        assertEquals(NativeCheck.OK, help.code());
        assertTrue(help.out().contains("exit codes"), help.out());
        var bad = run("--frobnicate");
        assertEquals(NativeCheck.USAGE, bad.code());
        assertTrue(bad.out().contains("unknown argument '--frobnicate'"), bad.out());
        assertEquals(NativeCheck.USAGE, run("--tests").code());
    }

    @Test
    void theParitySuiteFindsTaggedTestsAndReportsThem() {
        var bytes = new ByteArrayOutputStream();
        var result = ParitySuite.run(".*NoSuchParityClass.*", new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertEquals(0, result.found());
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("parity suite: 0 test(s)"));

        bytes.reset();
        var fixture = ParitySuite.run(".*GpuParityFixture", new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String table = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(4, fixture.found(), table);
        assertEquals(2, fixture.passed(), table);
        assertEquals(1, fixture.failed(), table);
        assertEquals(1, fixture.skipped(), table);
        assertTrue(table.contains("GpuParityFixture.disagrees()") && table.contains("conv2d forward max rel err"),
                table);
        assertTrue(table.contains("no CUDA device"), table);
    }
}
