package org.fkt.engine.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Launch-configuration arithmetic of the CUDA backend, checked without a GPU. */
class CudaLaunchTest {
    @Test
    void gridCoversSmallWorkAndCapsLargeWork() {
        assertEquals(1, CudaLaunch.gridFor(0, 132));
        assertEquals(1, CudaLaunch.gridFor(1, 132));
        assertEquals(1, CudaLaunch.gridFor(CudaLaunch.THREADS, 132));
        assertEquals(2, CudaLaunch.gridFor(CudaLaunch.THREADS + 1, 132));
        assertEquals(132 * CudaLaunch.BLOCKS_PER_SM, CudaLaunch.gridFor(1L << 34, 132));
        // a grid-stride loop needs no more threads than work items, and every item is reachable
        for (long n : new long[] {5, 255, 256, 257, 100_000, 25_557_032}) {
            long threads = (long) CudaLaunch.gridFor(n, 108) * CudaLaunch.THREADS;
            assertTrue(threads < n + CudaLaunch.THREADS, "grid too large for " + n);
            assertTrue(threads >= Math.min(n, 108L * CudaLaunch.BLOCKS_PER_SM * CudaLaunch.THREADS));
        }
    }

    @Test
    void float4OnlyWhenEveryAddressIsAligned() {
        assertEquals(4, CudaLaunch.vectorWidth(0x7f0000000000L, 0x7f0000000100L));
        assertEquals(1, CudaLaunch.vectorWidth(0x7f0000000000L, 0x7f0000000104L));
        assertEquals(1, CudaLaunch.vectorWidth(0x7f0000000008L));
        assertEquals(4, CudaLaunch.vectorWidth());
    }

    @Test
    void channelKernelsVectoriseOnlyWholePlanesOfFour() {
        assertEquals(4, CudaLaunch.channelVectorWidth(56 * 56, 0x1000, 0x2000));
        assertEquals(1, CudaLaunch.channelVectorWidth(7 * 7, 0x1000, 0x2000));
        assertEquals(1, CudaLaunch.channelVectorWidth(16, 0x1004));
    }

    @Test
    void channelSplitsFillTheDeviceWithoutTinySlices() {
        // ResNet-50 layer1 at batch 256 and 224x224: 64 channels of 256*56*56 elements
        int s = CudaLaunch.channelSplits(64, 256L * 56 * 56, 132);
        assertTrue(64L * s >= 4 * 132, "too few blocks: " + s);
        assertTrue(256L * 56 * 56 / s >= 4L * CudaLaunch.THREADS);
        // many channels already fill the device: one slice each
        assertEquals(1, CudaLaunch.channelSplits(2048, 256L * 7 * 7, 132));
        // a tiny channel is never cut
        assertEquals(1, CudaLaunch.channelSplits(4, 10, 132));
    }

    @Test
    void chunkTableCutsEveryTensorAndSkipsEmptyOnes() {
        long[][] t = CudaLaunch.chunkTable(new long[] {10, 0, 2 * 4 + 1}, 4);
        assertArrayEquals(new long[] {0, 0, 0, 2, 2, 2}, t[0]);
        assertArrayEquals(new long[] {0, 4, 8, 0, 4, 8}, t[1]);
        long[][] one = CudaLaunch.chunkTable(new long[] {CudaLaunch.OPTIMIZER_CHUNK}, CudaLaunch.OPTIMIZER_CHUNK);
        assertEquals(1, one[0].length);
    }

    @Test
    void sizeClassesWasteAtMostAQuarter() {
        assertEquals(512, CudaLaunch.sizeClass(1));
        assertEquals(512, CudaLaunch.sizeClass(512));
        assertEquals(640, CudaLaunch.sizeClass(513));
        assertEquals(1024, CudaLaunch.sizeClass(1024));
        assertEquals(1280, CudaLaunch.sizeClass(1025));
        assertEquals(34L << 20, CudaLaunch.sizeClass((32L << 20) + 1));
        for (long b = 1; b < (1L << 40); b = b * 3 + 7) {
            long c = CudaLaunch.sizeClass(b);
            assertTrue(c >= b, "class below request " + b);
            assertTrue(c <= Math.max(512, b + b / 4 + 1), "class " + c + " wastes more than 25% of " + b);
            assertEquals(0, c % 256, "class " + c + " is not 256-byte aligned");
        }
    }

    @Test
    void rowMajorGemmMapsOntoColumnMajorCall() {
        // C (2x3) = A (2x4) B (4x3): cuBLAS computes C^T (3x2) = B^T A^T
        assertArrayEquals(new int[] {3, 2, 4, 3, 4, 3}, CudaGemm.columnMajorCall(2, 4, false, 4, 3, false));
        // C (2x3) = A^T B^T with A stored (4x2), B stored (3x4)
        assertArrayEquals(new int[] {3, 2, 4, 4, 2, 3}, CudaGemm.columnMajorCall(4, 2, true, 3, 4, true));
    }

    @Test
    void blockTableGivesEveryKernelItsBlockAndWritesTheCheckersFormat() {
        assertEquals(new CudaLaunch.Block(32, 8, 0), CudaLaunch.block("fkt_sum_rows"));
        assertEquals(CudaLaunch.DEFAULT_BLOCK, CudaLaunch.block("fkt_relu_v4"));
        assertEquals(CudaLaunch.THREADS, CudaLaunch.DEFAULT_BLOCK.threads());
        String table = CudaLaunch.launchTable();
        assertTrue(table.contains("\n* " + CudaLaunch.THREADS + " 0\n"), table);
        assertTrue(table.contains("\nfkt_sum_rows 256 0\n"), table);
    }
}
