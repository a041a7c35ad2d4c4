package org.fkt.engine.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread float32 scratch memory for the convolutions (im2col tiles, rearranged operands), kept
 * between calls and grown on demand, so a training step neither allocates nor page-faults tens of
 * megabytes per layer. Each thread has one flat buffer per slot, addressed by element offset.
 *
 * <p>The buffers come from automatic arenas rather than from tensors: which pool thread runs which
 * tile is up to work stealing, so a thread may first need its buffer at any step, and the engine's
 * native-memory accounting (whose flatness across steps is how leaks are caught) should not move
 * when that happens. A buffer replaced by a larger one is freed by the garbage collector.
 */
final class CpuWorkspace {
    /** Independent buffers of one thread; a kernel uses each for one purpose at a time. */
    enum Slot {
        /** im2col / dcol tiles, used inside parallel tasks. */
        COLUMNS,
        /** Channel-major output or gradient tiles, used inside parallel tasks. */
        SCRATCH,
        /** Rearranged weights or weight gradient: owned by the calling thread, shared with its tasks. */
        WEIGHTS,
        /** Rearranged input images: owned by the calling thread, shared with its tasks. */
        IMAGES,
        /** One row of an im2col / im2row block on its way into packed GEMM panels, inside parallel tasks. */
        ROW
    }

    private static final ThreadLocal<MemorySegment[]> SLOTS =
            ThreadLocal.withInitial(() -> new MemorySegment[Slot.values().length]);

    private CpuWorkspace() {
    }

    /** This thread's buffer for slot, holding at least {@code elements} floats, 64-byte aligned. */
    static MemorySegment floats(Slot slot, long elements) {
        MemorySegment[] slots = SLOTS.get();
        MemorySegment buffer = slots[slot.ordinal()];
        long bytes = elements * Float.BYTES;
        if (buffer == null || buffer.byteSize() < bytes) {
            long grown = Math.max(bytes, buffer == null ? 0 : buffer.byteSize() + buffer.byteSize() / 2);
            buffer = Arena.ofAuto().allocate(grown, 64);
            slots[slot.ordinal()] = buffer;
        }
        return buffer;
    }
}
