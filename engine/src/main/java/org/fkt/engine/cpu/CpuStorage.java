package org.fkt.engine.cpu;

import java.lang.foreign.MemorySegment;
import org.fkt.engine.memory.NativeMemory;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.HostStorage;
import org.fkt.engine.tensor.Storage;

/** Host memory of a CPU tensor: one 64-byte aligned block from {@link NativeMemory}. */
final class CpuStorage extends Storage implements HostStorage {
    private final MemorySegment segment;

    CpuStorage(long bytes) {
        super(Device.CPU, bytes);
        this.segment = NativeMemory.allocate(bytes);
    }

    @Override
    public MemorySegment hostSegment() {
        return segment;
    }

    @Override
    protected void free() {
        NativeMemory.free(segment);
    }
}
