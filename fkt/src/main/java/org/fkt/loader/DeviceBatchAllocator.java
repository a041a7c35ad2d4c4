package org.fkt.loader;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;

/**
 * Batches for a device other than the CPU. Workers fill reusable heap blocks (a free list per block
 * length, so a steady run allocates no new arrays after its first batches); {@link #images} creates the
 * device tensor and copies the block in through the backend's host-to-device path. On the CUDA backend
 * that path stages through two pinned (page-locked) buffers and queues an asynchronous copy on the
 * device's stream, returning once the block has been read, so the block can go back to the pool at once
 * while the transfer overlaps the kernels already queued. Pinned blocks handed straight to the workers
 * would save that one host memcpy, but the backend exposes no pinned host tensors, and the memcpy costs
 * far less than augmenting the batch.
 */
public final class DeviceBatchAllocator implements BatchAllocator {
    /** Free blocks kept per length: the loader's prefetch depth times three views is far below this. */
    private static final int MAX_FREE = 32;

    private final Device device;
    private final Map<Integer, ConcurrentLinkedDeque<float[]>> free = new ConcurrentHashMap<>();

    public DeviceBatchAllocator(Device device) {
        if (device == null) {
            throw new IllegalArgumentException("batch allocator: device is null");
        }
        this.device = device;
    }

    public Device device() {
        return device;
    }

    @Override
    public float[] allocate(int length) {
        ConcurrentLinkedDeque<float[]> list = free.get(length);
        float[] block = list == null ? null : list.pollFirst();
        return block != null ? block : new float[length];
    }

    @Override
    public void release(float[] block) {
        ConcurrentLinkedDeque<float[]> list = free.computeIfAbsent(block.length, k -> new ConcurrentLinkedDeque<>());
        if (list.size() < MAX_FREE) {
            list.addFirst(block);
        }
    }

    /** Free blocks held for reuse (all lengths). */
    public int pooledBlocks() {
        return free.values().stream().mapToInt(ConcurrentLinkedDeque::size).sum();
    }

    @Override
    public Tensor images(float[] block, int batch, int size) {   // -> (B, 3, S, S) on the device
        Tensor t = Tensor.empty(DType.FLOAT32, device, batch, 3, size, size);
        t.copyFrom(block);
        return t;
    }

    @Override
    public Tensor labels(int[] labels) {                          // -> (B) int32 on the device
        Tensor t = Tensor.empty(DType.INT32, device, labels.length);
        t.copyFrom(labels);
        return t;
    }
}
