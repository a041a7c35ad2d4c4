package org.fkt.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.fkt.engine.backend.Backends;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Where CUDA cannot run (no driver, no device, no kernels) the backend stays unregistered with a reason
 * that names what was looked for, a CUDA tensor fails with that reason, and the CPU keeps working.
 * Where nvcc exists, the build packages the kernel fatbin with every kernel the launchers name.
 */
class CudaAvailabilityTest {
    @Test
    void unavailabilityIsReportedCleanly() {
        String reason = new CudaBackend().unavailableReason();
        System.out.println("CUDA backend: " + (reason == null ? "available" : "unavailable: " + reason));
        assertEquals(reason == null, Backends.available(Device.Kind.CUDA));
        if (reason == null) {
            assertNull(Backends.unavailableReason(Device.Kind.CUDA));
            return;
        }
        assertFalse(reason.isBlank());
        assertNotNull(Backends.unavailableReason(Device.Kind.CUDA));
        assertTrue(Backends.unavailableReason(Device.Kind.CUDA).contains(reason));
        var e = assertThrows(IllegalStateException.class, () -> Tensor.empty(DType.FLOAT32, Device.cuda(0), 2, 2));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        try (Tensor t = Tensor.of(new float[] {1, -2}, 2)) {
            assertEquals(1.0, t.toFloatArray()[0]);
        }
    }

    @Test
    void missingDriverIsNamed() {
        Assumptions.assumeFalse(Files.exists(Path.of("/dev/nvidia0")) || Files.exists(Path.of("/dev/nvidiactl")),
                "this machine has an NVIDIA device; the missing-driver message cannot be seen here");
        String reason = CudaDriver.probe();
        Assumptions.assumeTrue(reason != null && reason.contains("libcuda"),
                "libcuda.so.1 is installed here (reason: " + reason + ")");
        assertTrue(reason.contains("libcuda.so.1") && reason.contains("LD_LIBRARY_PATH"), reason);
    }

    @Test
    void jcudaNativesWithoutDriverFailCatchably() {
        Assumptions.assumeTrue(String.valueOf(CudaDriver.probe()).contains("libcuda.so.1"),
                "libcuda.so.1 is present here; JCuda's natives load");
        String reason = CudaDriver.loadNatives();
        System.out.println("JCuda natives without a driver: " + reason);
        assertNotNull(reason);
        assertTrue(reason.contains("libcuda.so.1"), reason);
        assertEquals(1, reason.lines().count(), reason);
    }

    @Test
    void kernelBuildWithoutNvccSucceedsAndWritesNothing(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path script = Path.of("src/main/cuda/build-fatbin.sh");
        Assumptions.assumeTrue(Files.isRegularFile(script), "run from the engine module: " + script + " not found");
        Path out = dir.resolve("kernels.fatbin");
        Process p = new ProcessBuilder("bash", script.toString(), out.toString(), dir.resolve("no-nvcc").toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), log);
        assertTrue(log.contains("no nvcc"), log);
        assertFalse(Files.exists(out));
    }

    @Test
    void aBuildWithoutKernelsSaysSo() throws Exception {
        try (var empty = new java.net.URLClassLoader(new java.net.URL[0], null)) {
            String reason = CudaDriver.missingKernels(empty);
            assertNotNull(reason);
            assertTrue(reason.startsWith("no kernels") && reason.contains(CudaDriver.FATBIN), reason);
        }
        if (Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc"))) {
            assertNull(CudaDriver.missingKernels(CudaDriver.class.getClassLoader()));
        }
    }

    @Test
    void fatbinHoldsEveryLaunchedKernelWhereNvccExists() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc")),
                "no /usr/local/cuda/bin/nvcc: the build packages no kernels here");
        byte[] fatbin = CudaDriver.fatbin();
        assertTrue(fatbin.length > 1000, "fatbin of " + fatbin.length + " bytes");
        String text = new String(fatbin, java.nio.charset.StandardCharsets.ISO_8859_1);
        for (var list : java.util.List.of(CudaElementwise.KERNELS, CudaBatchNorm.KERNELS, CudaPool.KERNELS,
                CudaSoftmax.KERNELS, CudaL2Normalize.KERNELS, CudaOptimizers.KERNELS, CudaNtXent.KERNELS)) {
            for (String kernel : list) {
                assertTrue(text.contains(kernel + "\0"),
                        "kernel " + kernel + " is missing from " + CudaDriver.FATBIN);
            }
        }
    }
}
