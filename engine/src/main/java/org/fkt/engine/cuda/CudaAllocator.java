package org.fkt.engine.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import jcuda.driver.CUresult;

/**
 * Caching device allocator of one device. Blocks come in size classes ({@link CudaLaunch#sizeClass});
 * a released block goes to its class's free list and is handed out again without a driver call, so the
 * training loop makes no cuMemAlloc/cuMemFree after its first step. All work runs on the device's one
 * stream, so a block released by the host may be reused at once: later kernels are ordered after the
 * earlier ones that used it. When the driver runs out of memory the cache is emptied and the allocation
 * retried once; then an {@link OutOfMemoryError} names the device, the size and the memory in use.
 */
final class CudaAllocator {
    private final CudaDriver driver;
    private final Map<Long, ArrayDeque<CudaPointers.Device>> free = new HashMap<>();
    private long liveBytes;
    private long cachedBytes;
    private long peakBytes;

    CudaAllocator(CudaDriver driver) {
        this.driver = driver;
    }

    /** A block of at least {@code bytes}, 256-byte aligned (the driver's alignment). */
    synchronized CudaPointers.Device allocate(long bytes) {
        long size = CudaLaunch.sizeClass(bytes);
        ArrayDeque<CudaPointers.Device> list = free.get(size);
        CudaPointers.Device block = list == null ? null : list.poll();
        if (block != null) {
            cachedBytes -= size;
        } else {
            block = fresh(size);
        }
        liveBytes += size;
        peakBytes = Math.max(peakBytes, liveBytes);
        return block;
    }

    /** Returns a block of the requested size {@code bytes} to its class's free list. */
    synchronized void release(CudaPointers.Device block, long bytes) {
        long size = CudaLaunch.sizeClass(bytes);
        free.computeIfAbsent(size, k -> new ArrayDeque<>()).push(block);
        liveBytes -= size;
        cachedBytes += size;
    }

    private CudaPointers.Device fresh(long size) {
        driver.enter();
        var block = new CudaPointers.Device();
        int rc = cuMemAlloc(block, size);
        if (rc == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            emptyCache();
            rc = cuMemAlloc(block, size);
        }
        if (rc == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            throw new OutOfMemoryError(driver.device() + ": out of device memory allocating " + size
                    + " bytes (in use by tensors: " + liveBytes + " bytes; " + driver.memoryInfo() + ")");
        }
        driver.check(rc, "cuMemAlloc(" + size + ")");
        return block;
    }

    /** Frees every cached block (after the stream has finished with them). */
    synchronized void emptyCache() {
        driver.synchronize();
        for (var list : free.values()) {
            for (var block : list) {
                driver.check(cuMemFree(block), "cuMemFree");
            }
        }
        free.clear();
        cachedBytes = 0;
    }

    synchronized long liveBytes() {
        return liveBytes;
    }

    synchronized long cachedBytes() {
        return cachedBytes;
    }

    synchronized long peakBytes() {
        return peakBytes;
    }

    synchronized void resetPeak() {
        peakBytes = liveBytes;
    }
}
