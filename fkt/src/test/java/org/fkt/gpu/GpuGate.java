package org.fkt.gpu;

import static org.junit.jupiter.api.Assertions.fail;

import org.fkt.engine.backend.Backends;
import org.fkt.engine.cuda.CudaBackend;
import org.fkt.engine.natives.NativeLibraries;
import org.fkt.engine.natives.NativeLibraryException;
import org.fkt.engine.tensor.Device;
import org.junit.jupiter.api.Assumptions;

/**
 * The gate of fkt's tests tagged "gpu": they run on cuda:0 when it is usable, else skip with the reason
 * printed. In the emulated run (-Dfkt.cuda.emulated=true, set by the pom's cuda-emulator execution) a
 * missing device fails instead, as in the engine's tests: the emulator is there to be run. Training also
 * needs cuBLAS and cuDNN; where they do not load (the emulator built without its fake libraries) the test
 * skips, printing why.
 */
public final class GpuGate {
    /** The device the GPU tests use. */
    public static final Device GPU = Device.cuda(0);

    private static final boolean EMULATED = Boolean.getBoolean("fkt.cuda.emulated");

    private GpuGate() {
    }

    /** Skips (or, emulated, fails) unless cuda:0 is usable; prints the device or the reason. */
    public static void requireDevice(String what) {
        String reason = Backends.unavailableReason(Device.Kind.CUDA);
        if (!Backends.available(Device.Kind.CUDA)) {
            String why = reason == null ? "no CUDA backend on the class path" : reason;
            if (EMULATED) {
                fail("the emulated GPU test run (-Dfkt.cuda.emulated=true) found no usable CUDA device: " + why);
            }
            System.out.println("skipping " + what + ": " + why);
            Assumptions.abort("no usable CUDA device: " + why);
        }
        System.out.println(what + " on " + CudaBackend.describe(GPU)
                + (EMULATED ? " (the CPU emulator of engine/src/test/cuda-emu, not a GPU)" : ""));
    }

    /** {@link #requireDevice} and cuBLAS and cuDNN loadable (skips, printing why, when one is not). */
    public static void requireTraining(String what) {
        requireDevice(what);
        try {
            NativeLibraries.blas();
            NativeLibraries.dnn();
        } catch (NativeLibraryException e) {
            System.out.println("skipping " + what + ": " + e.getMessage());
            Assumptions.abort("cuBLAS or cuDNN is not available: " + e.getMessage());
        }
    }
}
