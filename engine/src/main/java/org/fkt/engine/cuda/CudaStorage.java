package org.fkt.engine.cuda;

import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Storage;

/** Device memory of a CUDA tensor: one block from the device's {@link CudaAllocator}. */
final class CudaStorage extends Storage {
    private final CudaAllocator allocator;
    private final CudaPointers.Device block;
    private final long address;

    CudaStorage(Device device, long bytes, CudaAllocator allocator) {
        super(device, bytes);
        this.allocator = allocator;
        this.block = allocator.allocate(bytes);
        this.address = block.address();
    }

    /** Raw device address of the first byte. */
    long address() {
        return address;
    }

    /** The block as a JCuda pointer, for the driver's copy calls. */
    CudaPointers.Device pointer() {
        return block;
    }

    @Override
    protected void free() {
        allocator.release(block, byteSize());
    }
}
