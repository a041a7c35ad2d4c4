package org.fkt.engine.cuda;

import static org.fkt.engine.cuda.GpuCheck.GPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Device memory on a GPU: the caching allocator hands a released block out again, scopes release
 * device tensors, large copies round-trip through the pinned staging buffers, and running out of
 * device memory is one clear error after which the device still works. Skips without a GPU.
 */
@Tag("gpu")
class CudaMemoryTest {
    @BeforeEach
    void requireGpu() {
        GpuCheck.assumeGpu();
    }

    @Test
    void releasedBlocksAreReusedAndScopesReleaseDeviceTensors() {
        long before = CudaBackend.memoryInUse(GPU)[0];
        long first;
        try (Tensor t = Tensor.empty(DType.FLOAT32, GPU, 1000, 1000)) {
            first = CudaBuf.address(t);
        }
        try (Tensor t = Tensor.empty(DType.FLOAT32, GPU, 1000, 1000)) {
            assertEquals(first, CudaBuf.address(t), "the cached block of the same size class is handed out again");
        }
        try (var scope = MemoryScope.open()) {
            for (int i = 0; i < 10; i++) {
                Tensor.empty(DType.FLOAT32, GPU, 4096);
            }
        }
        assertEquals(before, CudaBackend.memoryInUse(GPU)[0], "bytes held by tensors after every tensor closed");
    }

    @Test
    void largeCopiesRoundTripThroughStaging() {
        int n = (int) (3 * CudaStaging.CHUNK / 4 + 12345);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i * 0.5f - 7;
        }
        try (Tensor host = Tensor.of(v, n); Tensor dev = host.to(GPU)) {
            assertArrayEquals(v, dev.toFloatArray());
        }
    }

    @Test
    void outOfMemoryIsOneClearError() {
        var e = assertThrows(OutOfMemoryError.class, () -> Tensor.empty(DType.FLOAT32, GPU, 1 << 16, 1 << 16, 64));
        System.out.println("device OOM message: " + e.getMessage());
        assertTrue(e.getMessage().contains(GPU.toString()) && e.getMessage().contains("out of device memory"),
                e.getMessage());
        try (Tensor t = Tensor.of(new float[] {1, 2, 3}, 3); Tensor d = t.to(GPU)) {
            assertArrayEquals(new float[] {1, 2, 3}, d.toFloatArray());
        }
    }
}
