// A minimal CUDA driver binding for the GPU tests of the cuBLAS/cuDNN bindings: context, memory, copies.
package org.fkt.engine.natives;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * Makes device 0's primary context current on the calling thread and moves float arrays to and from
 * the device, independent of the CUDA backend, so the bindings are tested on their own.
 */
final class TestCuda {

    private final MethodHandle memAlloc;
    private final MethodHandle memFree;
    private final MethodHandle htod;
    private final MethodHandle dtoh;
    private final MethodHandle sync;

    private TestCuda(CudaDriverInfo info) {
        Path lib = info.library();
        SymbolLookup l = lib.isAbsolute() ? SymbolLookup.libraryLookup(lib, Arena.global())
                : SymbolLookup.libraryLookup(lib.toString(), Arena.global());
        MethodHandle retain = bind(l, "cuDevicePrimaryCtxRetain", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        MethodHandle setCurrent = bind(l, "cuCtxSetCurrent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        memAlloc = bind(l, "cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        memFree = bind(l, "cuMemFree_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        htod = bind(l, "cuMemcpyHtoD_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG));
        dtoh = bind(l, "cuMemcpyDtoH_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
        sync = bind(l, "cuCtxSynchronize", FunctionDescriptor.of(JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ctx = a.allocate(ADDRESS);
            check(NativeLibrary.callInt(retain, "cuDevicePrimaryCtxRetain", ctx, 0), "cuDevicePrimaryCtxRetain");
            check(NativeLibrary.callInt(setCurrent, "cuCtxSetCurrent", ctx.get(ADDRESS, 0)), "cuCtxSetCurrent");
        }
    }

    /** The driver's context on device 0, current on this thread; null (with the reason in info) without a GPU. */
    static TestCuda open(CudaDriverInfo info) {
        return info.available() ? new TestCuda(info) : null;
    }

    long alloc(long floats) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(JAVA_LONG);
            check(NativeLibrary.callInt(memAlloc, "cuMemAlloc_v2", p, Math.max(4, floats * 4)), "cuMemAlloc_v2");
            return p.get(JAVA_LONG, 0);
        }
    }

    long upload(float[] host) {
        long d = alloc(host.length);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(JAVA_FLOAT, Math.max(1, host.length));
            MemorySegment.copy(host, 0, h, JAVA_FLOAT, 0, host.length);
            check(NativeLibrary.callInt(htod, "cuMemcpyHtoD_v2", d, h, (long) host.length * 4), "cuMemcpyHtoD_v2");
        }
        return d;
    }

    /** Fills n floats at {@code d} with NaN, so a result that was never written shows. */
    long poisoned(int n) {
        float[] nan = new float[n];
        java.util.Arrays.fill(nan, Float.NaN);
        return upload(nan);
    }

    float[] download(long d, int n) {
        check(NativeLibrary.callInt(sync, "cuCtxSynchronize"), "cuCtxSynchronize");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment h = a.allocate(JAVA_FLOAT, Math.max(1, n));
            check(NativeLibrary.callInt(dtoh, "cuMemcpyDtoH_v2", h, d, (long) n * 4), "cuMemcpyDtoH_v2");
            return h.toArray(JAVA_FLOAT);
        }
    }

    void free(long... pointers) {
        for (long p : pointers) {
            check(NativeLibrary.callInt(memFree, "cuMemFree_v2", p), "cuMemFree_v2");
        }
    }

    private static MethodHandle bind(SymbolLookup l, String name, FunctionDescriptor d) {
        return NativeLibrary.unbound(d).bindTo(l.find(name).orElseThrow(() -> new NativeLibraryException(
                "symbol " + name + " not found in the CUDA driver")));
    }

    private static void check(int result, String call) {
        if (result != 0) {
            throw new NativeLibraryException(call + " returned CUresult " + result);
        }
    }
}
