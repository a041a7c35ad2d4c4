package org.fkt.loader;

import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;

/**
 * Where batch memory comes from and how a finished host batch reaches the training device. The default
 * {@link #heap()} allocates plain Java arrays and copies them into CPU tensors; {@link #forDevice} gives
 * the {@link DeviceBatchAllocator} for a GPU, which recycles blocks through {@link #release} and copies
 * them to the device through the backend's (pinned, asynchronous) host-to-device path.
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

    /** {@link #heap()} for the CPU, else a {@link DeviceBatchAllocator} for {@code device}. */
    static BatchAllocator forDevice(Device device) {
        return device.kind() == Device.Kind.CPU ? heap() : new DeviceBatchAllocator(device);
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
