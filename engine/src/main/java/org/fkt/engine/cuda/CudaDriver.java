package org.fkt.engine.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemsetD32Async;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;
import org.fkt.engine.tensor.Device;

/**
 * One CUDA device through JCuda's driver API: its primary context, one non-blocking stream on which
 * every kernel, copy and library call of the engine runs, the kernel module loaded from the fatbin
 * resource, the caching allocator and the pinned staging buffer. {@link #probe()} tells, without ever
 * crashing the JVM, whether CUDA can run here at all.
 */
final class CudaDriver {
    /** Classpath resource holding the kernels (built by src/main/cuda/build-fatbin.sh). */
    static final String FATBIN = "org/fkt/engine/cuda/kernels.fatbin";
    /** Set to "off" to keep the CUDA backend unregistered even where a GPU exists. */
    static final String DISABLE_PROPERTY = "fkt.cuda";

    private static final Map<Integer, CudaDriver> DEVICES = new ConcurrentHashMap<>();
    private static final ThreadLocal<CUcontext> CURRENT = new ThreadLocal<>();
    private static volatile String probeResult;
    private static volatile boolean probed;

    private final Device device;
    private final CUcontext context = new CUcontext();
    private final CudaPointers.Stream stream = new CudaPointers.Stream();
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new ConcurrentHashMap<>();
    private final CudaAllocator allocator;
    private final CudaStaging staging;
    private final String name;
    private final int multiprocessors;
    private final int computeMajor;
    private final int computeMinor;
    private final long totalMemory;

    private CudaDriver(Device device) {
        this.device = device;
        CUdevice dev = new CUdevice();
        check(cuDeviceGet(dev, device.index()), "cuDeviceGet(" + device.index() + ")");
        check(cuDevicePrimaryCtxRetain(context, dev), "cuDevicePrimaryCtxRetain");
        enter();
        check(cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        byte[] nameBytes = new byte[256];
        check(cuDeviceGetName(nameBytes, nameBytes.length, dev), "cuDeviceGetName");
        int end = 0;
        while (end < nameBytes.length && nameBytes[end] != 0) {
            end++;
        }
        this.name = new String(nameBytes, 0, end, StandardCharsets.UTF_8);
        int[] v = new int[1];
        check(cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev),
                "cuDeviceGetAttribute");
        this.multiprocessors = v[0];
        check(cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev),
                "cuDeviceGetAttribute");
        this.computeMajor = v[0];
        check(cuDeviceGetAttribute(v, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev),
                "cuDeviceGetAttribute");
        this.computeMinor = v[0];
        long[] total = new long[1];
        check(cuDeviceTotalMem(total, dev), "cuDeviceTotalMem");
        this.totalMemory = total[0];
        int rc = cuModuleLoadData(module, fatbin());
        if (rc != CUresult.CUDA_SUCCESS) {
            throw new IllegalStateException(device + " (" + name + ", sm_" + computeMajor + computeMinor
                    + "): the kernel fatbin " + FATBIN + " did not load: " + CUresult.stringFor(rc)
                    + " (it holds sm_80 and sm_90 code and compute_90 PTX)");
        }
        this.allocator = new CudaAllocator(this);
        this.staging = new CudaStaging(this);
    }

    /** The driver of {@code device}, started on first use; throws naming the devices there are if it does not exist. */
    static CudaDriver of(Device device) {
        CudaDriver d = DEVICES.get(device.index());
        if (d != null) {
            return d;
        }
        String reason = probe();
        if (reason != null) {
            throw new IllegalStateException("CUDA is unavailable: " + reason);
        }
        int count = deviceCount();
        if (device.index() >= count) {
            throw new IllegalArgumentException(device + " does not exist: there " + (count == 1 ? "is 1 CUDA device"
                    : "are " + count + " CUDA devices") + " (cuda:0 to cuda:" + (count - 1) + ")");
        }
        return DEVICES.computeIfAbsent(device.index(), i -> new CudaDriver(device));
    }

    /** The number of CUDA devices; 0 where CUDA cannot run ({@link #probe()} says why). */
    static int deviceCount() {
        if (probe() != null) {
            return 0;
        }
        int[] count = new int[1];
        return cuDeviceGetCount(count) == CUresult.CUDA_SUCCESS ? count[0] : 0;
    }

    /**
     * Null when CUDA can run here; otherwise why not: CUDA switched off, libcuda.so.1 missing, JCuda's
     * natives not loading, cuInit failing, no device, or no kernel fatbin in the build. Never throws.
     */
    static String probe() {
        if (!probed) {
            synchronized (CudaDriver.class) {
                if (!probed) {
                    probeResult = runProbe();
                    probed = true;
                }
            }
        }
        return probeResult;
    }

    private static String runProbe() {
        if ("off".equalsIgnoreCase(System.getProperty(DISABLE_PROPERTY, ""))) {
            return "switched off by -D" + DISABLE_PROPERTY + "=off";
        }
        try {
            SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
        } catch (IllegalArgumentException e) {
            return "the NVIDIA driver library libcuda.so.1 was not found by the dynamic linker (looked in "
                    + "LD_LIBRARY_PATH=" + System.getenv().getOrDefault("LD_LIBRARY_PATH", "<unset>")
                    + " and the ld.so cache); no NVIDIA driver is installed here";
        }
        String natives = loadNatives();
        if (natives != null) {
            return natives;
        }
        int rc = cuInit(0);
        if (rc != CUresult.CUDA_SUCCESS) {
            return "cuInit failed: " + CUresult.stringFor(rc);
        }
        int[] count = new int[1];
        rc = cuDeviceGetCount(count);
        if (rc != CUresult.CUDA_SUCCESS || count[0] == 0) {
            return "no CUDA device (cuDeviceGetCount: " + (rc == 0 ? "0 devices" : CUresult.stringFor(rc)) + ")";
        }
        return missingKernels(CudaDriver.class.getClassLoader());
    }

    /** Null when {@code loader} has the kernel fatbin; otherwise the "no kernels" reason. */
    static String missingKernels(ClassLoader loader) {
        if (loader.getResource(FATBIN) == null) {
            return "no kernels: the resource " + FATBIN + " is missing (the engine was built without nvcc; "
                    + "build on a machine with /usr/local/cuda/bin/nvcc)";
        }
        return null;
    }

    /**
     * Loads JCuda's driver natives (which link libcuda.so.1); null on success, else a short reason.
     * A failure is an Error that is caught here, never a crash.
     */
    static String loadNatives() {
        try {
            JCudaDriver.setExceptionsEnabled(false);
            return null;
        } catch (Throwable t) {
            String detail = t.toString().lines()
                    .filter(l -> l.contains("cannot open shared object") || l.contains("undefined symbol"))
                    .findFirst().orElse(t.toString().lines().findFirst().orElse(t.getClass().getName()));
            return "JCuda's driver natives (org.jcuda:jcuda-natives:linux-x86_64) did not load: " + detail.strip();
        }
    }

    /** The fatbin resource's bytes. */
    static byte[] fatbin() {
        try (InputStream in = CudaDriver.class.getClassLoader().getResourceAsStream(FATBIN)) {
            if (in == null) {
                throw new IllegalStateException("no kernels: the resource " + FATBIN + " is missing");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + FATBIN, e);
        }
    }

    /** The driver's CUDA version as "major.minor". */
    static String driverVersion() {
        int[] v = new int[1];
        cuDriverGetVersion(v);
        return v[0] / 1000 + "." + v[0] % 1000 / 10;
    }

    /** Makes this device's context current on the calling thread (cheap when it already is). */
    void enter() {
        if (CURRENT.get() != context) {
            check(cuCtxSetCurrent(context), "cuCtxSetCurrent(" + device + ")");
            CURRENT.set(context);
        }
    }

    /** Throws with {@code what} and the error's name unless rc is CUDA_SUCCESS. */
    void check(int rc, String what) {
        if (rc != CUresult.CUDA_SUCCESS) {
            throw new IllegalStateException(device + ": " + what + " failed: " + CUresult.stringFor(rc));
        }
    }

    /**
     * Launches {@code kernel} on the stream with a 1-D grid and the block of {@link CudaLaunch#block}, the
     * table that kernel-resources.sh checks against the kernels' registers and shared memory.
     */
    void launch(String kernel, int grid, CudaArgs args) {
        enter();
        CUfunction f = functions.computeIfAbsent(kernel, k -> {
            CUfunction fn = new CUfunction();
            check(cuModuleGetFunction(fn, module, k), "cuModuleGetFunction(" + k + ") in " + FATBIN);
            return fn;
        });
        CudaLaunch.Block b = CudaLaunch.block(kernel);
        check(cuLaunchKernel(f, grid, 1, 1, b.x(), b.y(), 1, b.dynamicSharedBytes(), stream, args.kernelParams(),
                null), "launch of " + kernel + " (grid " + grid + ", block " + b.x() + "x" + b.y() + ")");
    }

    /** Sets {@code words} 32-bit words at {@code ptr} to {@code bits}, on the stream. */
    void memset32(CUdeviceptr ptr, int bits, long words) {
        enter();
        if (words > 0) {
            check(cuMemsetD32Async(ptr, bits, words, stream), "cuMemsetD32Async(" + words + " words)");
        }
    }

    /** Waits for everything queued on the stream. */
    void synchronize() {
        enter();
        check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    /** Milliseconds of GPU time {@code work} takes on the stream, measured with events. */
    float time(Runnable work) {
        enter();
        CUevent start = new CUevent();
        CUevent stop = new CUevent();
        check(cuEventCreate(start, 0), "cuEventCreate");
        check(cuEventCreate(stop, 0), "cuEventCreate");
        check(cuEventRecord(start, stream), "cuEventRecord");
        work.run();
        check(cuEventRecord(stop, stream), "cuEventRecord");
        check(cuEventSynchronize(stop), "cuEventSynchronize");
        float[] ms = new float[1];
        check(cuEventElapsedTime(ms, start, stop), "cuEventElapsedTime");
        cuEventDestroy(start);
        cuEventDestroy(stop);
        return ms[0];
    }

    /** "free F of T bytes on the device". */
    String memoryInfo() {
        long[] free = new long[1];
        long[] total = new long[1];
        return cuMemGetInfo(free, total) == CUresult.CUDA_SUCCESS
                ? "free " + free[0] + " of " + total[0] + " bytes on the device" : "device memory unknown";
    }

    Device device() {
        return device;
    }

    CUstream stream() {
        return stream;
    }

    /** The raw CUstream handle, for cuBLAS and cuDNN. */
    long streamAddress() {
        return stream.address();
    }

    CudaAllocator allocator() {
        return allocator;
    }

    CudaStaging staging() {
        return staging;
    }

    int multiprocessors() {
        return multiprocessors;
    }

    /** "NVIDIA H100 80GB HBM3, sm_90, 132 SMs, 79.1 GiB". */
    String describe() {
        return name + ", sm_" + computeMajor + computeMinor + ", " + multiprocessors + " SMs, "
                + String.format(java.util.Locale.ROOT, "%.1f GiB", totalMemory / (double) (1L << 30));
    }
}
