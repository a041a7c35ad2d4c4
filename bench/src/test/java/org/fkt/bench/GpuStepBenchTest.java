package org.fkt.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.fkt.engine.tensor.Device;
import org.junit.jupiter.api.Test;

/**
 * GpuStepBench's measurement and protocol on the CPU (the same code as on a GPU, with no peak memory):
 * a tiny ResNet-18 step gives finite losses and consistent numbers, and the serve protocol's parsing and
 * JSON are what the Python driver reads.
 */
class GpuStepBenchTest {
    @Test
    void aTinyStepOnTheCpuReportsConsistentFigures() {
        var c = GpuStepBench.Config.parse(GpuStepBench.keyValues("arch=resnet18 stem=cifar size=8 batch=2 warmup=1 steps=2"));
        Map<String, Object> r = GpuStepBench.run(Device.CPU, c);
        assertEquals("resnet18", r.get("arch"));
        assertEquals(10, c.classes(), "the CIFAR stem defaults to 10 classes");
        assertEquals(false, r.get("tf32"));
        assertEquals(-1L, r.get("peak_bytes"), "no device allocator on the CPU");
        double ms = (Double) r.get("step_ms");
        double ips = (Double) r.get("images_per_s");
        assertTrue(ms > 0, "step time " + ms);
        assertEquals(2 / (ms / 1000), ips, 1e-9 * ips);
        assertTrue(Double.isFinite((Double) r.get("first_loss")) && Double.isFinite((Double) r.get("last_loss")), r.toString());
        String json = GpuStepBench.json(r);
        assertTrue(json.startsWith("{\"arch\": \"resnet18\", \"stem\": \"cifar\", \"size\": 8, \"batch\": 2, \"tf32\": false"), json);
    }

    @Test
    void theProtocolRefusesMalformedRequests() {
        assertThrows(IllegalArgumentException.class, () -> GpuStepBench.keyValues("size 32"));
        assertThrows(IllegalArgumentException.class,
                () -> GpuStepBench.Config.parse(GpuStepBench.keyValues("batch=0")));
        var imagenet = GpuStepBench.Config.parse(GpuStepBench.keyValues(""));
        assertEquals(224, imagenet.size());
        assertEquals(1000, imagenet.classes());
        assertEquals(256, imagenet.batch());
    }
}
