// A read-only probe of the CUDA driver through java.lang.foreign: version and devices, or why there are none.
package org.fkt.engine.natives;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the NVIDIA driver reports (cuInit, cuDriverGetVersion, cuDeviceGetCount, cuDeviceGetName,
 * cuDeviceTotalMem_v2, cuDeviceGetAttribute). Never throws: a missing driver or device is a {@code reason}.
 */
public record CudaDriverInfo(boolean available, String reason, Path library, int driverVersion,
                             List<Device> devices) {

    /** One GPU. */
    public record Device(int ordinal, String name, long totalMemoryBytes, int multiprocessors, int ccMajor,
                         int ccMinor) {
        @Override
        public String toString() {
            return "cuda:" + ordinal + " " + name + " (sm_" + ccMajor + ccMinor + ", " + multiprocessors + " SMs, "
                    + String.format("%.1f GiB", totalMemoryBytes / (double) (1L << 30)) + ")";
        }
    }

    private static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    private static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    private static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;

    /** The C signatures bound (cuda.h; CUdevice = int, CUresult = int). */
    public static final Map<String, FunctionDescriptor> SIGNATURES = signatures();

    /** "13.0" from 13000 (cuDriverGetVersion's 1000 * major + 10 * minor). */
    public String driverVersionString() {
        return driverVersion / 1000 + "." + driverVersion % 1000 / 10;
    }

    /** Probes the driver found by {@link LibraryLocator} on this machine. */
    public static CudaDriverInfo probe() {
        return probe(new LibraryLocator(LibraryLocator.Environment.system()));
    }

    /** Probes the driver {@code locator} finds (falling back to the dynamic loader's own search by soname). */
    public static CudaDriverInfo probe(LibraryLocator locator) {
        LibraryLocator.Result found;
        try {
            found = locator.locate(LibrarySpec.CUDA_DRIVER);
        } catch (NativeLibraryException e) {
            return missing(e.getMessage(), null);
        }
        SymbolLookup lookup;
        Path file = found.first().map(LibraryLocator.Candidate::file).orElse(null);
        try {
            lookup = file != null ? SymbolLookup.libraryLookup(file, Arena.global())
                    : SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
        } catch (IllegalArgumentException e) {
            String where = file != null ? "cannot load " + file + ": " + e.getMessage()
                    : "the dynamic loader cannot open libcuda.so.1, and " + found.notFoundMessage();
            return missing("no NVIDIA driver (" + where + ")", file);
        }
        try {
            return query(lookup, file == null ? Path.of("libcuda.so.1") : file);
        } catch (NativeLibraryException e) {
            return missing(e.getMessage(), file);
        }
    }

    private static CudaDriverInfo missing(String reason, Path file) {
        return new CudaDriverInfo(false, reason, file, 0, List.of());
    }

    private static CudaDriverInfo query(SymbolLookup lookup, Path file) {
        var h = new LinkedHashMap<String, MethodHandle>();
        for (var e : SIGNATURES.entrySet()) {
            var address = lookup.find(e.getKey()).orElseThrow(() -> new NativeLibraryException(
                    "symbol " + e.getKey() + " not found in " + file));
            h.put(e.getKey(), NativeLibrary.unbound(e.getValue()).bindTo(address));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment i = arena.allocate(JAVA_INT);
            MemorySegment l = arena.allocate(JAVA_LONG);
            MemorySegment name = arena.allocate(256);
            check(h, "cuDriverGetVersion", i);
            int version = i.get(JAVA_INT, 0);
            int init = NativeLibrary.callInt(h.get("cuInit"), "cuInit", 0);
            if (init != 0) {
                String why = init == 100 ? "no CUDA-capable device is present" : errorName(h, init, arena);
                return new CudaDriverInfo(false, "cuInit failed: " + why + " (driver " + file + ")", file, version,
                        List.of());
            }
            check(h, "cuDeviceGetCount", i);
            int count = i.get(JAVA_INT, 0);
            var devices = new ArrayList<Device>();
            for (int d = 0; d < count; d++) {
                check(h, "cuDeviceGet", i, d);
                int dev = i.get(JAVA_INT, 0);
                check(h, "cuDeviceGetName", name, 256, dev);
                check(h, "cuDeviceTotalMem_v2", l, dev);
                devices.add(new Device(d, name.getString(0), l.get(JAVA_LONG, 0),
                        attribute(h, i, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev),
                        attribute(h, i, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev),
                        attribute(h, i, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev)));
            }
            if (devices.isEmpty()) {
                return new CudaDriverInfo(false, "the driver (" + file + ") reports no CUDA device", file, version,
                        List.of());
            }
            return new CudaDriverInfo(true, "driver " + file, file, version, List.copyOf(devices));
        }
    }

    private static int attribute(Map<String, MethodHandle> h, MemorySegment out, int attribute, int dev) {
        check(h, "cuDeviceGetAttribute", out, attribute, dev);
        return out.get(JAVA_INT, 0);
    }

    private static void check(Map<String, MethodHandle> h, String name, Object... args) {
        int r = NativeLibrary.callInt(h.get(name), name, args);
        if (r != 0) {
            throw new NativeLibraryException(name + " returned CUresult " + r);
        }
    }

    private static String errorName(Map<String, MethodHandle> h, int result, Arena arena) {
        MemorySegment p = arena.allocate(ADDRESS);
        if (NativeLibrary.callInt(h.get("cuGetErrorName"), "cuGetErrorName", result, p) == 0) {
            return p.get(ADDRESS, 0).reinterpret(128).getString(0) + " (" + result + ")";
        }
        return "CUresult " + result;
    }

    private static Map<String, FunctionDescriptor> signatures() {
        var m = new LinkedHashMap<String, FunctionDescriptor>();
        m.put("cuInit", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        m.put("cuDriverGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("cuDeviceGetCount", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        m.put("cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        m.put("cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        m.put("cuDeviceTotalMem_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        m.put("cuDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        m.put("cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        return java.util.Collections.unmodifiableMap(m);
    }
}
