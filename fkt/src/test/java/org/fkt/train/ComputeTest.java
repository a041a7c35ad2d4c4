package org.fkt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.fkt.engine.backend.Backends;
import org.fkt.engine.tensor.Device;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** --device and --tf32 resolution: what auto picks and says, the GPU refusal with the backend's reason, the record. */
class ComputeTest {
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void cpuIsTakenAsAskedAndTf32IsIgnoredThere() {
        Compute c = Compute.resolve("cpu", true, out);
        assertEquals(Device.CPU, c.device());
        assertFalse(c.tf32(), "TF32 is recorded as off on the CPU");
        assertTrue(printed().contains("device: cpu [--device cpu]; --tf32 ignored on the CPU"), printed());
        assertEquals("cpu", c.label());
        assertEquals("cpu", c.toMap().get("device"));
        assertEquals(false, c.toMap().get("tf32"));
    }

    @Test
    void autoTakesTheGpuWhenUsableElseTheCpuWithTheReason() {
        Compute c = Compute.resolve("auto", false, out);
        if (Backends.available(Device.Kind.CUDA)) {
            assertEquals(Device.cuda(0), c.device());
            assertTrue(printed().contains("auto: the CUDA backend is usable"), printed());
        } else {
            assertEquals(Device.CPU, c.device());
            String reason = Backends.unavailableReason(Device.Kind.CUDA);
            assertTrue(printed().startsWith("device: cpu [auto: "), printed());
            if (reason != null) {
                assertTrue(printed().contains(reason), printed());
            }
        }
    }

    @Test
    void anUnusableGpuIsRefusedWithTheBackendsReason() {
        Assumptions.assumeFalse(Backends.available(Device.Kind.CUDA), "a CUDA device is usable here");
        var e = assertThrows(IllegalArgumentException.class, () -> Compute.resolve("cuda:0", true, out));
        assertTrue(e.getMessage().startsWith("--device cuda:0: cannot train on the GPU: "), e.getMessage());
        String reason = Backends.unavailableReason(Device.Kind.CUDA);
        if (reason != null) {
            assertTrue(e.getMessage().contains(reason), e.getMessage());
        }
        assertEquals("", printed(), "nothing is printed before the refusal");
    }

    @Test
    void aBadDeviceNameIsRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> Compute.resolve("gpu0", false, out));
        assertTrue(e.getMessage().contains("expected cpu or cuda:N"), e.getMessage());
    }

    @Test
    void tf32IsOnlyACudaSetting() {
        assertThrows(IllegalArgumentException.class, () -> new Compute(Device.CPU, true));
        Compute gpu = new Compute(Device.cuda(1), true);
        assertEquals("cuda:1 TF32 GEMMs/convolutions", gpu.label());
        assertEquals(true, gpu.toMap().get("tf32"));
        assertEquals("cuda:1", gpu.toMap().get("device"));
    }
}
