package org.fkt.engine.cuda;

import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.lang.foreign.MemorySegment;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * Host-device copies through one pinned (page-locked) staging buffer per device, so the DMA engine
 * copies at full speed whatever the host memory is (Java heap arrays included). Copies larger than
 * the buffer go in chunks; each chunk is waited for before the buffer is refilled.
 */
final class CudaStaging {
    /** Bytes of the pinned buffer. */
    static final long CHUNK = 16L << 20;

    private final CudaDriver driver;
    private Pointer pinned;
    private MemorySegment pinnedSegment;

    CudaStaging(CudaDriver driver) {
        this.driver = driver;
    }

    private void ensure() {
        if (pinned == null) {
            driver.enter();
            Pointer p = new Pointer();
            driver.check(cuMemAllocHost(p, CHUNK), "cuMemAllocHost(" + CHUNK + ") for the staging buffer");
            pinned = p;
            pinnedSegment = MemorySegment.ofBuffer(p.getByteBuffer(0, CHUNK));
        }
    }

    /** Copies {@code bytes} from host {@code src} into device memory at {@code dst}. */
    synchronized void toDevice(MemorySegment src, CUdeviceptr dst, long bytes) {
        ensure();
        for (long done = 0; done < bytes; done += CHUNK) {
            long n = Math.min(CHUNK, bytes - done);
            MemorySegment.copy(src, done, pinnedSegment, 0, n);
            driver.check(cuMemcpyHtoDAsync(dst.withByteOffset(done), pinned, n, driver.stream()),
                    "cuMemcpyHtoDAsync(" + n + " bytes)");
            driver.synchronize();
        }
    }

    /** Copies {@code bytes} of device memory at {@code src} into host {@code dst}. */
    synchronized void toHost(CUdeviceptr src, MemorySegment dst, long bytes) {
        ensure();
        for (long done = 0; done < bytes; done += CHUNK) {
            long n = Math.min(CHUNK, bytes - done);
            driver.check(cuMemcpyDtoHAsync(pinned, src.withByteOffset(done), n, driver.stream()),
                    "cuMemcpyDtoHAsync(" + n + " bytes)");
            driver.synchronize();
            MemorySegment.copy(pinnedSegment, 0, dst, done, n);
        }
    }
}
