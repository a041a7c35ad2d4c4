package org.fkt.engine.cuda;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;

import java.lang.foreign.MemorySegment;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

/**
 * Host-device copies through two pinned (page-locked) staging buffers per device, so the DMA engine
 * copies at full speed whatever the host memory is (Java heap arrays included). Copies go in chunks
 * of one buffer, alternating buffers so that filling one overlaps the transfer of the other; an event
 * per buffer says when its last transfer finished. Uploads therefore return once the last chunk is
 * queued (later kernels on the stream see the data); downloads return when the data is on the host.
 */
final class CudaStaging {
    /** Bytes of each pinned buffer. */
    static final long CHUNK = 8L << 20;

    private final CudaDriver driver;
    private final Pointer[] pinned = new Pointer[2];
    private final MemorySegment[] segments = new MemorySegment[2];
    private final CUevent[] done = new CUevent[2];
    private int next;
    /** Device-to-host copies so far: each one waits for the stream (a sync with the device). */
    private long hostReads;

    CudaStaging(CudaDriver driver) {
        this.driver = driver;
    }

    private void ensure() {
        if (pinned[0] != null) {
            return;
        }
        driver.enter();
        for (int i = 0; i < 2; i++) {
            Pointer p = new Pointer();
            driver.check(cuMemAllocHost(p, CHUNK), "cuMemAllocHost(" + CHUNK + ") for a staging buffer");
            CUevent e = new CUevent();
            driver.check(cuEventCreate(e, CUevent_flags.CU_EVENT_DISABLE_TIMING), "cuEventCreate");
            pinned[i] = p;
            segments[i] = MemorySegment.ofBuffer(p.getByteBuffer(0, CHUNK));
            done[i] = e;
        }
    }

    /** The next buffer, once its previous transfer has finished. */
    private int take() {
        int b = next;
        next = 1 - next;
        driver.check(cuEventSynchronize(done[b]), "cuEventSynchronize (staging buffer " + b + ")");
        return b;
    }

    /** Copies {@code bytes} from host {@code src} into device memory at {@code dst}. */
    synchronized void toDevice(MemorySegment src, CUdeviceptr dst, long bytes) {
        ensure();
        driver.enter();
        for (long at = 0; at < bytes; at += CHUNK) {
            long n = Math.min(CHUNK, bytes - at);
            int b = take();
            MemorySegment.copy(src, at, segments[b], 0, n);
            driver.check(cuMemcpyHtoDAsync(dst.withByteOffset(at), pinned[b], n, driver.stream()),
                    "cuMemcpyHtoDAsync(" + n + " bytes)");
            driver.check(cuEventRecord(done[b], driver.stream()), "cuEventRecord");
        }
    }

    /** Copies {@code bytes} of device memory at {@code src} into host {@code dst}. */
    synchronized void toHost(CUdeviceptr src, MemorySegment dst, long bytes) {
        hostReads++;
        ensure();
        driver.enter();
        long pendingAt = -1;
        int pendingBuffer = -1;
        long pendingBytes = 0;
        for (long at = 0; at < bytes; at += CHUNK) {
            long n = Math.min(CHUNK, bytes - at);
            int b = take();
            driver.check(cuMemcpyDtoHAsync(pinned[b], src.withByteOffset(at), n, driver.stream()),
                    "cuMemcpyDtoHAsync(" + n + " bytes)");
            driver.check(cuEventRecord(done[b], driver.stream()), "cuEventRecord");
            if (pendingBuffer >= 0) {
                drain(pendingBuffer, dst, pendingAt, pendingBytes);
            }
            pendingBuffer = b;
            pendingAt = at;
            pendingBytes = n;
        }
        if (pendingBuffer >= 0) {
            drain(pendingBuffer, dst, pendingAt, pendingBytes);
        }
    }

    /** How many device-to-host copies this device has made (tests count the syncs of a code path). */
    synchronized long hostReads() {
        return hostReads;
    }

    /** Waits for buffer b's transfer and copies its n bytes to dst at {@code at}. */
    private void drain(int b, MemorySegment dst, long at, long n) {
        driver.check(cuEventSynchronize(done[b]), "cuEventSynchronize (staging buffer " + b + ")");
        MemorySegment.copy(segments[b], 0, dst, at, n);
    }
}
