package org.fkt.engine.memory;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Host memory for tensors, taken from the C allocator (aligned_alloc/free through java.lang.foreign)
 * rather than from per-tensor Arenas: a shared Arena's close costs a handshake with every thread,
 * which a training step that frees thousands of tensors cannot afford. Liveness is therefore the
 * engine's job: tensors check that they are open before any kernel touches their memory.
 * Every block is 64-byte aligned (one cache line, one AVX-512 vector). Counters of live and peak
 * bytes make leaks visible to tests.
 */
public final class NativeMemory {
    /** Alignment of every block, in bytes. */
    public static final long ALIGNMENT = 64;

    private static final MethodHandle ALIGNED_ALLOC;
    private static final MethodHandle FREE;
    private static final AtomicLong LIVE_BYTES = new AtomicLong();
    private static final AtomicLong PEAK_BYTES = new AtomicLong();
    private static final AtomicLong LIVE_BLOCKS = new AtomicLong();
    /**
     * With -Dfkt.debug.poison=true every new block is filled with 0xFF bytes (NaN as floats), so a
     * kernel that reads memory it never wrote shows up as NaN instead of as plausible garbage.
     * The test suites run with it on.
     */
    private static final boolean POISON = Boolean.getBoolean("fkt.debug.poison");

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        ALIGNED_ALLOC = linker.downcallHandle(
                libc.find("aligned_alloc").orElseThrow(() -> new ExceptionInInitializerError("libc has no aligned_alloc")),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        FREE = linker.downcallHandle(
                libc.find("free").orElseThrow(() -> new ExceptionInInitializerError("libc has no free")),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    }

    private NativeMemory() {
    }

    /**
     * Allocates {@code bytes} (rounded up to the alignment; at least one line) of uninitialised
     * memory. Throws {@link OutOfMemoryError} naming the size when the allocator refuses.
     */
    public static MemorySegment allocate(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative allocation size " + bytes);
        }
        long rounded = Math.max(ALIGNMENT, (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT);
        MemorySegment raw;
        try {
            raw = (MemorySegment) ALIGNED_ALLOC.invokeExact(ALIGNMENT, rounded);
        } catch (Throwable t) {
            throw new IllegalStateException("aligned_alloc(" + rounded + ") failed", t);
        }
        if (raw.address() == 0) {
            throw new OutOfMemoryError("host allocation of " + rounded + " bytes failed (live: "
                    + LIVE_BYTES.get() + " bytes)");
        }
        long live = LIVE_BYTES.addAndGet(rounded);
        PEAK_BYTES.accumulateAndGet(live, Math::max);
        LIVE_BLOCKS.incrementAndGet();
        MemorySegment block = raw.reinterpret(rounded);
        if (POISON) {
            block.fill((byte) 0xFF);
        }
        return block;
    }

    /** Frees a block returned by {@link #allocate}. */
    public static void free(MemorySegment block) {
        try {
            FREE.invokeExact(MemorySegment.ofAddress(block.address()));
        } catch (Throwable t) {
            throw new IllegalStateException("free failed", t);
        }
        LIVE_BYTES.addAndGet(-block.byteSize());
        LIVE_BLOCKS.decrementAndGet();
    }

    /** Bytes currently allocated through this class. */
    public static long liveBytes() {
        return LIVE_BYTES.get();
    }

    /** Blocks currently allocated through this class. */
    public static long liveBlocks() {
        return LIVE_BLOCKS.get();
    }

    /** Highest {@link #liveBytes()} seen since start or the last {@link #resetPeak()}. */
    public static long peakBytes() {
        return PEAK_BYTES.get();
    }

    /** Restarts peak tracking from the current live size. */
    public static void resetPeak() {
        PEAK_BYTES.set(LIVE_BYTES.get());
    }
}
