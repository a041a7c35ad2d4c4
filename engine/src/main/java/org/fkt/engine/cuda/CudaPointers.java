package org.fkt.engine.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * JCuda handles whose raw addresses the engine needs (kernel arguments, cuBLAS/cuDNN streams):
 * JCuda keeps them protected, so these subclasses expose them.
 */
final class CudaPointers {
    private CudaPointers() {
    }

    /** A device allocation; filled by cuMemAlloc. */
    static final class Device extends CUdeviceptr {
        /** The raw device address. */
        long address() {
            return getNativePointer() + getByteOffset();
        }
    }

    /** A stream; filled by cuStreamCreate. */
    static final class Stream extends CUstream {
        /** The raw CUstream handle. */
        long address() {
            return getNativePointer();
        }
    }
}
