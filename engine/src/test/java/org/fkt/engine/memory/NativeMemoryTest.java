package org.fkt.engine.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The caching host allocator: size classes, reuse, exact live counters, poison on reuse. */
class NativeMemoryTest {
    @Test
    void sizeClassesCoverTheRequestWithBoundedWaste() {
        for (long rounded = 64; rounded < (1L << 28); rounded = rounded * 5 / 4 / 64 * 64 + 64) {
            long size = NativeMemory.classSize(rounded);
            assertTrue(size >= rounded, "class " + size + " below request " + rounded);
            assertTrue(size <= rounded + rounded / 8, "class " + size + " wastes more than 1/8 of " + rounded);
            assertEquals(0, size % NativeMemory.ALIGNMENT, "class " + size + " not aligned");
            assertEquals(size, NativeMemory.classSize(size), "class of a class size " + size);
        }
    }

    @Test
    void freedBlocksAreReusedAndCountersStayExact() {
        long live = NativeMemory.liveBytes();
        long blocks = NativeMemory.liveBlocks();
        MemorySegment a = NativeMemory.allocate(100_000);
        assertEquals(100_032, a.byteSize());
        assertEquals(0, a.address() % NativeMemory.ALIGNMENT);
        assertEquals(live + 100_032, NativeMemory.liveBytes());
        long address = a.address();
        NativeMemory.free(a);
        assertEquals(live, NativeMemory.liveBytes());
        assertEquals(blocks, NativeMemory.liveBlocks());
        // a request of another size in the same class gets the same block, sized as asked
        MemorySegment b = NativeMemory.allocate(99_000);
        assertEquals(address, b.address());
        assertEquals(99_008, b.byteSize());
        assertEquals(live + 99_008, NativeMemory.liveBytes());
        if (Boolean.getBoolean("fkt.debug.poison")) {
            for (long i = 0; i < b.byteSize(); i += 4) {
                assertTrue(Float.isNaN(b.get(ValueLayout.JAVA_FLOAT, i)), "reused block not poisoned at " + i);
            }
        }
        NativeMemory.free(b);
        assertEquals(live, NativeMemory.liveBytes());
    }

    @Test
    void trimEmptiesTheCache() {
        List<MemorySegment> held = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            held.add(NativeMemory.allocate(i * 10_000L));
        }
        long live = NativeMemory.liveBytes();
        held.forEach(NativeMemory::free);
        assertTrue(NativeMemory.cachedBytes() > 0, "freed blocks are cached");
        assertTrue(NativeMemory.liveBytes() < live);
        NativeMemory.trim();
        assertEquals(0, NativeMemory.cachedBytes());
    }
}
