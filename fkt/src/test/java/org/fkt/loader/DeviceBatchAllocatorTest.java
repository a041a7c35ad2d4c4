package org.fkt.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.fkt.gpu.GpuGate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The device batch allocator: blocks are recycled by length and bounded, and a block's tensor holds its
 * values on the device. Runs on the CPU (the allocator works for any device); the GPU case is tagged.
 */
class DeviceBatchAllocatorTest {
    @Test
    void blocksAreReusedByLengthAndThePoolIsBounded() {
        var a = new DeviceBatchAllocator(Device.CPU);
        float[] first = a.allocate(12);
        a.release(first);
        assertSame(first, a.allocate(12), "a released block of the same length is handed out again");
        assertNotSame(first, a.allocate(12), "an empty pool allocates");
        a.release(first);
        assertEquals(7, a.allocate(7).length, "another length gets its own block");
        for (int i = 0; i < 100; i++) {
            a.release(new float[5]);
        }
        assertTrue(a.pooledBlocks() <= 2 * 32, "at most 32 free blocks per length: " + a.pooledBlocks());
    }

    @Test
    void forDeviceGivesTheHeapAllocatorOnTheCpu() {
        assertSame(BatchAllocator.heap(), BatchAllocator.forDevice(Device.CPU));
        assertTrue(BatchAllocator.forDevice(Device.cuda(0)) instanceof DeviceBatchAllocator);
    }

    @Test
    void tensorsHoldTheBlockOnTheCpu() {
        check(Device.CPU);
    }

    @Tag("gpu")
    @Test
    void tensorsHoldTheBlockOnTheGpu() {
        GpuGate.requireDevice("the GPU batch test");
        check(GpuGate.GPU);
    }

    private static void check(Device device) {
        var a = new DeviceBatchAllocator(device);
        float[] block = a.allocate(2 * 3 * 4 * 4);
        for (int i = 0; i < block.length; i++) {
            block[i] = i * 0.25f - 3;
        }
        float[] expected = block.clone();
        try (var scope = MemoryScope.open()) {
            Tensor images = a.images(block, 2, 4);                // (2, 3, 4, 4)
            a.release(block);
            java.util.Arrays.fill(a.allocate(block.length), 99f);  // the block is free again once copied
            Tensor labels = a.labels(new int[] {3, 1});
            assertEquals(device, images.device());
            assertEquals(DType.INT32, labels.dtype());
            assertArrayEquals(new int[] {2, 3, 4, 4}, images.shape());
            assertArrayEquals(expected, images.toFloatArray());
            assertArrayEquals(new int[] {3, 1}, labels.toIntArray());
        }
    }
}
