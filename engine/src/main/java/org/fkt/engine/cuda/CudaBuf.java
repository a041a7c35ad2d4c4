package org.fkt.engine.cuda;

import jcuda.driver.CUdeviceptr;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Tensor;

/**
 * Device addresses of CUDA tensors and short-lived device scratch memory for the launchers.
 * Addresses point at a tensor's first element (storage address plus offset).
 */
final class CudaBuf {
    private CudaBuf() {
    }

    static CudaStorage storage(Tensor t) {
        if (!(t.storage() instanceof CudaStorage s)) {
            throw new IllegalArgumentException(t.describe() + " is not in CUDA device memory");
        }
        return s;
    }

    /** Raw address of the tensor's first element. */
    static long address(Tensor t) {
        return storage(t).address() + t.offset() * t.dtype().byteSize();
    }

    /** The tensor's first element as a JCuda pointer (for copies). */
    static CUdeviceptr pointer(Tensor t) {
        return storage(t).pointer().withByteOffset(t.offset() * t.dtype().byteSize());
    }

    /** The address of an optional tensor; 0 (nullptr) when absent. */
    static long addressOrNull(Tensor t) {
        return t == null ? 0 : address(t);
    }

    /** Throws naming {@code op} unless every tensor is float32 (the kernels' type). */
    static void requireFloat32(String op, Tensor... tensors) {
        for (Tensor t : tensors) {
            if (t != null && t.dtype() != DType.FLOAT32) {
                throw new UnsupportedOperationException("cuda " + op + ": only float32 is supported on the GPU, got "
                        + t.describe() + " (float64 runs on the CPU backend)");
            }
        }
    }

    /** Device scratch memory released (stream-ordered) when closed. */
    static final class Scratch implements AutoCloseable {
        private final CudaAllocator allocator;
        private final CudaPointers.Device block;
        private final long bytes;

        Scratch(CudaDriver driver, long bytes) {
            this.allocator = driver.allocator();
            this.bytes = Math.max(1, bytes);
            this.block = allocator.allocate(this.bytes);
        }

        long address() {
            return block.address();
        }

        CudaPointers.Device pointer() {
            return block;
        }

        @Override
        public void close() {
            allocator.release(block, bytes);
        }
    }
}
