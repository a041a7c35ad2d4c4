package org.fkt.engine.cuda;

import java.util.Map;
import java.util.TreeMap;

/**
 * Launch-configuration arithmetic of the CUDA kernels, as pure functions so that it is tested without a
 * GPU: grid sizes of grid-stride loops, the choice between scalar and float4 kernels, how many slices a
 * per-channel reduction is cut into, and the block table of the multi-tensor optimizers.
 *
 * <p>It also holds the one table of block shapes and dynamic shared memory: {@link CudaDriver} launches
 * every kernel with {@link #block(String)}, and CudaKernelResourcesTest hands the same table to
 * src/main/cuda/kernel-resources.sh, which checks it against ptxas's register and shared-memory report.
 */
final class CudaLaunch {
    /** Threads per block of the one-dimensional kernels. */
    static final int THREADS = 256;
    /** Resident blocks per multiprocessor a grid-stride kernel is sized for. */
    static final int BLOCKS_PER_SM = 8;
    /** Most partial sums a two-stage reduction produces (the final stage is one block). */
    static final int MAX_PARTIALS = 1024;
    /** Elements per block of the multi-tensor optimizers. */
    static final int OPTIMIZER_CHUNK = 1 << 16;
    /** Warps (rows) per block of the one-warp-per-row kernels. */
    static final int ROWS_PER_BLOCK = THREADS / 32;

    /** Block shape (x, y) and dynamic shared memory in bytes of a kernel's launches. */
    record Block(int x, int y, int dynamicSharedBytes) {
        int threads() {
            return x * y;
        }
    }

    /** The block of every kernel not in {@link #BLOCKS}: {@link #THREADS} threads, no dynamic shared memory. */
    static final Block DEFAULT_BLOCK = new Block(THREADS, 1, 0);

    /** Kernels launched with another block than {@link #DEFAULT_BLOCK}. */
    static final Map<String, Block> BLOCKS = Map.of(
            "fkt_sum_rows", new Block(32, 8, 0));

    private CudaLaunch() {
    }

    /** The block {@code kernel} is launched with. */
    static Block block(String kernel) {
        return BLOCKS.getOrDefault(kernel, DEFAULT_BLOCK);
    }

    /**
     * The table in kernel-resources.sh's format: "KERNEL THREADS DYNAMIC_SHARED_BYTES" lines, "*" standing
     * for every kernel not listed.
     */
    static String launchTable() {
        StringBuilder out = new StringBuilder("# written from CudaLaunch.BLOCKS by CudaKernelResourcesTest\n");
        out.append("* ").append(DEFAULT_BLOCK.threads()).append(' ').append(DEFAULT_BLOCK.dynamicSharedBytes())
                .append('\n');
        new TreeMap<>(BLOCKS).forEach((kernel, b) -> out.append(kernel).append(' ').append(b.threads()).append(' ')
                .append(b.dynamicSharedBytes()).append('\n'));
        return out.toString();
    }

    /** Blocks of a grid-stride loop over {@code units} work items: enough to fill the device, at least 1. */
    static int gridFor(long units, int multiprocessors) {
        long needed = (units + THREADS - 1) / THREADS;
        long cap = (long) Math.max(1, multiprocessors) * BLOCKS_PER_SM;
        return (int) Math.max(1, Math.min(needed, cap));
    }

    /** 4 (float4 kernels) when every address is 16-byte aligned, else 1. */
    static int vectorWidth(long... addresses) {
        for (long a : addresses) {
            if (a % 16 != 0) {
                return 1;
            }
        }
        return 4;
    }

    /**
     * Vector width of a per-channel (N, C, H, W) kernel: 4 needs the plane size {@code hw} to be a
     * multiple of 4 (four consecutive elements share a channel) as well as aligned addresses.
     */
    static int channelVectorWidth(int hw, long... addresses) {
        return hw % 4 == 0 ? vectorWidth(addresses) : 1;
    }

    /**
     * Slices per channel of a per-channel reduction over {@code perChannel} elements: enough blocks in
     * all ({@code channels * slices}) to give every multiprocessor four, but no slice shorter than four
     * elements per thread.
     */
    static int channelSplits(int channels, long perChannel, int multiprocessors) {
        long target = 4L * Math.max(1, multiprocessors);
        long wanted = (target + channels - 1) / channels;
        long most = Math.max(1, perChannel / (4L * THREADS));
        return (int) Math.max(1, Math.min(Math.min(wanted, most), 1 << 16));
    }

    /** Blocks of a two-stage reduction over n elements (at most {@link #MAX_PARTIALS}). */
    static int partialsFor(long n, int multiprocessors) {
        return Math.min(MAX_PARTIALS, gridFor(n, multiprocessors));
    }

    /** Blocks of a one-warp-per-row kernel. */
    static int rowBlocks(long rows) {
        return (int) Math.max(1, (rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK);
    }

    /** Blocks of a one-warp-per-channel finalize kernel. */
    static int warpBlocks(int warps) {
        return rowBlocks(warps);
    }

    /**
     * The optimizers' table: for tensors of the given element counts cut into chunks of {@code chunk},
     * {tensor of block b, first element of block b} for every block. An empty tensor has no block.
     */
    static long[][] chunkTable(long[] counts, int chunk) {
        long blocks = 0;
        for (long n : counts) {
            blocks += (n + chunk - 1) / chunk;
        }
        if (blocks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("optimizer step: " + blocks + " blocks exceed the grid limit");
        }
        long[] tensor = new long[(int) blocks];
        long[] start = new long[(int) blocks];
        int b = 0;
        for (int t = 0; t < counts.length; t++) {
            for (long s = 0; s < counts[t]; s += chunk) {
                tensor[b] = t;
                start[b] = s;
                b++;
            }
        }
        return new long[][] {tensor, start};
    }

    /**
     * Size class of a device allocation: at least 512 bytes, then four classes per power of two
     * (so at most 25% is wasted), whole 2 MiB pages above 32 MiB.
     */
    static long sizeClass(long bytes) {
        if (bytes <= 512) {
            return 512;
        }
        long big = 32L << 20;
        if (bytes > big) {
            long page = 2L << 20;
            return (bytes + page - 1) / page * page;
        }
        int top = 63 - Long.numberOfLeadingZeros(bytes - 1);
        long step = 1L << (top - 2);
        return (bytes + step - 1) / step * step;
    }
}
