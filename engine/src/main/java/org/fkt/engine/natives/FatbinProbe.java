// Loads a CUDA fatbin into device 0's primary context through the driver API, to say whether it loads there.
package org.fkt.engine.natives;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * native-check's answer to "does the kernel fatbin load on this GPU": cuModuleLoadData on device 0's
 * primary context (retained and released here), then cuModuleUnload. Never throws.
 */
public final class FatbinProbe {

    private FatbinProbe() {
    }

    /** "loaded on cuda:0" or why not (no driver, no device, or the CUresult of cuModuleLoadData). */
    public static String load(CudaDriverInfo driver, byte[] image) {
        if (!driver.available()) {
            return "not loaded: " + driver.reason();
        }
        try (Arena arena = Arena.ofConfined()) {
            Path lib = driver.library();
            SymbolLookup l = lib.isAbsolute() ? SymbolLookup.libraryLookup(lib, Arena.global())
                    : SymbolLookup.libraryLookup(lib.toString(), Arena.global());
            MethodHandle retain = bind(l, "cuDevicePrimaryCtxRetain", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
            MethodHandle release = bind(l, "cuDevicePrimaryCtxRelease_v2", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
            MethodHandle setCurrent = bind(l, "cuCtxSetCurrent", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            MethodHandle loadData = bind(l, "cuModuleLoadData", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
            MethodHandle unload = bind(l, "cuModuleUnload", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            MemorySegment ctx = arena.allocate(ADDRESS);
            int r = NativeLibrary.callInt(retain, "cuDevicePrimaryCtxRetain", ctx, 0);
            if (r != 0) {
                return "not loaded: cuDevicePrimaryCtxRetain returned CUresult " + r;
            }
            try {
                r = NativeLibrary.callInt(setCurrent, "cuCtxSetCurrent", ctx.get(ADDRESS, 0));
                if (r != 0) {
                    return "not loaded: cuCtxSetCurrent returned CUresult " + r;
                }
                MemorySegment data = arena.allocate(image.length + 1L);
                MemorySegment.copy(image, 0, data, JAVA_BYTE, 0, image.length);
                MemorySegment module = arena.allocate(ADDRESS);
                r = NativeLibrary.callInt(loadData, "cuModuleLoadData", module, data);
                if (r != 0) {
                    return "does not load: cuModuleLoadData returned CUresult " + r
                            + (r == 209 ? " (CUDA_ERROR_NO_BINARY_FOR_GPU: no code for this GPU's architecture)"
                            : r == 222 ? " (CUDA_ERROR_UNSUPPORTED_PTX_VERSION: the driver is older than nvcc)" : "");
                }
                NativeLibrary.callInt(unload, "cuModuleUnload", module.get(ADDRESS, 0));
                return "loads on cuda:0 (" + driver.devices().getFirst().name() + ")";
            } finally {
                NativeLibrary.callInt(release, "cuDevicePrimaryCtxRelease_v2", 0);
            }
        } catch (NativeLibraryException | IllegalArgumentException e) {
            return "not loaded: " + e.getMessage();
        }
    }

    private static MethodHandle bind(SymbolLookup l, String name, FunctionDescriptor d) {
        return NativeLibrary.unbound(d).bindTo(l.find(name).orElseThrow(() -> new NativeLibraryException(
                "symbol " + name + " not found in the CUDA driver")));
    }
}
