package org.fkt.loader;

import org.fkt.engine.tensor.Tensor;

/**
 * Where batch memory comes from and how a finished host batch reaches the training device: the seam
 * for the GPU backend. The default {@link #heap()} allocates plain Java arrays and copies them into
 * CPU tensors. A GPU implementation (not written yet: the CUDA backend does not exist) would keep
 * pinned (page-locked) staging buffers, copy each block into one and start an asynchronous
 * host-to-device transfer in {@link #images}; {@link #release} lets it recycle blocks.
 */
public interface BatchAllocator {
    /** A float block of {@code length} elements for a worker to fill (contents may be stale). */
    float[] allocate(int length);

    /** Hands back a block of a batch that is no longer used (by {@link Loader#release}). */
    void release(float[] block);

    /** A float32 tensor of shape (B, 3, S, S) on the training device holding {@code block}. */
    Tensor images(float[] block, int batch, int size);

    /** An int32 tensor of shape (B) on the training device holding {@code labels}. */
    Tensor labels(int[] labels);

    /** Heap arrays, CPU tensors (a copy into native memory in the current memory scope). */
    static BatchAllocator heap() {
        return HeapAllocator.INSTANCE;
    }

    /** The default allocator. */
    final class HeapAllocator implements BatchAllocator {
        static final HeapAllocator INSTANCE = new HeapAllocator();

        private HeapAllocator() {
        }

        @Override
        public float[] allocate(int length) {
            return new float[length];
        }

        @Override
        public void release(float[] block) {
        }

        @Override
        public Tensor images(float[] block, int batch, int size) {
            return Tensor.of(block, batch, 3, size, size);
        }

        @Override
        public Tensor labels(int[] labels) {
            return Tensor.of(labels, labels.length);
        }
    }
}
