package org.fkt.engine.memory;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Host memory for tensors, taken from the C allocator (aligned_alloc/free through java.lang.foreign)
 * rather than from per-tensor Arenas: a shared Arena's close costs a handshake with every thread,
 * which a training step that frees thousands of tensors cannot afford. Liveness is therefore the
 * engine's job: tensors check that they are open before any kernel touches their memory.
 * Every block is 64-byte aligned (one cache line, one AVX-512 vector). Counters of live and peak
 * bytes make leaks visible to tests.
 *
 * <p>Freed blocks are cached by size class and handed out again, so that a training step, which
 * frees what the previous one allocated in the same sizes, neither calls the C allocator nor
 * page-faults fresh memory from the kernel (for large blocks glibc maps and unmaps pages on every
 * call, which cost a tenth of a ResNet step in system time). Classes are the 64-byte multiples up
 * to 4 KiB and eight steps per power of two above, so a block wastes at most an eighth of its
 * size. The cache holds at most {@code -Dfkt.memory.cacheBytes} bytes (default 1 GiB; 0 turns it
 * off); {@link #trim} hands it back to the C allocator. Live and peak counters count the bytes
 * that tensors hold (the requested size rounded to the alignment), never the cache.
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
    /** Most bytes of freed blocks kept for reuse. */
    private static final long CACHE_LIMIT = Long.getLong("fkt.memory.cacheBytes", 1L << 30);
    /** Freed blocks by class size: their addresses, most recently freed last. Guarded by itself. */
    private static final Map<Long, ArrayDeque<Long>> CACHE = new HashMap<>();
    private static long cachedBytes;

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
        long size = classSize(rounded);
        long address = take(size);
        if (address == 0) {
            address = allocateRaw(size, rounded);
        }
        long live = LIVE_BYTES.addAndGet(rounded);
        PEAK_BYTES.accumulateAndGet(live, Math::max);
        LIVE_BLOCKS.incrementAndGet();
        MemorySegment block = MemorySegment.ofAddress(address).reinterpret(rounded);
        if (POISON) {
            block.fill((byte) 0xFF);
        }
        return block;
    }

    /** Frees a block returned by {@link #allocate}: into the cache, or to the C allocator when that is full. */
    public static void free(MemorySegment block) {
        LIVE_BYTES.addAndGet(-block.byteSize());
        LIVE_BLOCKS.decrementAndGet();
        long size = classSize(block.byteSize());
        synchronized (CACHE) {
            if (cachedBytes + size <= CACHE_LIMIT) {
                CACHE.computeIfAbsent(size, s -> new ArrayDeque<>()).addLast(block.address());
                cachedBytes += size;
                return;
            }
        }
        freeRaw(block.address());
    }

    /** Returns every cached block to the C allocator. */
    public static void trim() {
        synchronized (CACHE) {
            for (ArrayDeque<Long> blocks : CACHE.values()) {
                for (long address : blocks) {
                    freeRaw(address);
                }
            }
            CACHE.clear();
            cachedBytes = 0;
        }
    }

    /** Bytes of freed blocks held for reuse (not counted in {@link #liveBytes()}). */
    public static long cachedBytes() {
        synchronized (CACHE) {
            return cachedBytes;
        }
    }

    /**
     * The size class of an aligned request: itself up to 4 KiB, else rounded up to an eighth of its
     * highest power of two. Deterministic, so {@link #free} finds the class from the block's size.
     */
    static long classSize(long rounded) {
        if (rounded <= 4096) {
            return rounded;
        }
        long step = Long.highestOneBit(rounded) / 8;
        return (rounded + step - 1) / step * step;
    }

    /** A cached block of exactly {@code size} bytes, or 0. */
    private static long take(long size) {
        synchronized (CACHE) {
            ArrayDeque<Long> blocks = CACHE.get(size);
            if (blocks == null || blocks.isEmpty()) {
                return 0;
            }
            cachedBytes -= size;
            return blocks.pollLast();
        }
    }

    private static long allocateRaw(long size, long requested) {
        MemorySegment raw;
        try {
            raw = (MemorySegment) ALIGNED_ALLOC.invokeExact(ALIGNMENT, size);
        } catch (Throwable t) {
            throw new IllegalStateException("aligned_alloc(" + size + ") failed", t);
        }
        if (raw.address() == 0) {
            trim();
            try {
                raw = (MemorySegment) ALIGNED_ALLOC.invokeExact(ALIGNMENT, size);
            } catch (Throwable t) {
                throw new IllegalStateException("aligned_alloc(" + size + ") failed", t);
            }
        }
        if (raw.address() == 0) {
            throw new OutOfMemoryError("host allocation of " + requested + " bytes failed (live: "
                    + LIVE_BYTES.get() + " bytes)");
        }
        return raw.address();
    }

    private static void freeRaw(long address) {
        try {
            FREE.invokeExact(MemorySegment.ofAddress(address));
        } catch (Throwable t) {
            throw new IllegalStateException("free failed", t);
        }
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
