// The native-check command: reports the GPU environment, then runs the GPU-versus-CPU parity suite.
package org.fkt.nativecheck;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import org.fkt.engine.natives.CudaDriverInfo;
import org.fkt.engine.natives.FatbinProbe;
import org.fkt.engine.natives.NativeLibraries;

/**
 * Prints the driver version, the devices, the cuBLAS and cuDNN providers (with why), whether the kernel
 * fatbin is packaged, then runs every test tagged "gpu" on the class path and prints a table.
 * Exit codes: 0 all passed, 1 a check failed, 2 bad arguments, 3 no GPU usable (driver or device missing).
 */
public final class NativeCheck {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;
    public static final int NO_GPU = 3;

    /** The CUDA backend's kernel fatbin, packaged into the engine jar by the Maven build when nvcc exists. */
    public static final String FATBIN = "org/fkt/engine/cuda/kernels.fatbin";

    /** The device name of the CPU emulator's fake libcuda.so.1 (engine/src/test/cuda-emu). */
    public static final String EMULATOR = "FKT CPU emulator";

    private NativeCheck() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args), System.out));
    }

    /** Runs the check, printing to {@code out}; returns the exit code. */
    public static int run(List<String> args, PrintStream out) {
        boolean suite = true;
        String filter = null;
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--help", "-h" -> {
                    out.println(usage());
                    return OK;
                }
                case "--no-suite" -> suite = false;
                case "--tests" -> {
                    if (i + 1 >= args.size()) {
                        out.println("native-check: --tests needs a class-name pattern\n" + usage());
                        return USAGE;
                    }
                    filter = args.get(++i);
                }
                default -> {
                    out.println("native-check: unknown argument '" + args.get(i) + "'\n" + usage());
                    return USAGE;
                }
            }
        }
        out.println("native-check: " + System.getProperty("java.vm.name") + " " + Runtime.version() + ", "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        CudaDriverInfo driver = CudaDriverInfo.probe();
        if (driver.library() != null) {
            out.println("driver:   " + driver.library()
                    + (driver.driverVersion() > 0 ? " (CUDA " + driver.driverVersionString() + ")" : ""));
        }
        byte[] image = fatbinImage();
        out.println("fatbin:   " + (image == null ? "absent (" + FATBIN
                + " not on the class path: the engine was built without nvcc)"
                : "present (" + FATBIN + ", " + image.length + " bytes)"));
        if (!driver.available()) {
            out.println("no GPU: " + driver.reason());
            out.println("native-check needs an NVIDIA GPU and its driver; the CPU backend is unaffected (exit "
                    + NO_GPU + ")");
            return NO_GPU;
        }
        for (var d : driver.devices()) {
            out.println("device:   " + d);
            if (EMULATOR.equals(d.name())) {
                out.println("          this device is the CPU emulator of engine/src/test/cuda-emu, not a GPU: it runs"
                        + " the backend's code and the .cu kernels compiled for the CPU, never the fatbin or NVIDIA"
                        + " hardware");
            }
        }
        if (image != null) {
            out.println("kernels:  " + FatbinProbe.load(driver, image));
        }
        for (String line : NativeLibraries.report().split("\n")) {
            out.println(line);
        }
        if (!suite) {
            return OK;
        }
        var result = ParitySuite.run(filter, out);
        return result.failed() > 0 || result.found() == 0 ? FAILED : OK;
    }

    /** The packaged kernel fatbin, or null when the engine jar has none. */
    static byte[] fatbinImage() {
        try (InputStream in = NativeCheck.class.getClassLoader().getResourceAsStream(FATBIN)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    static String usage() {
        return """
                usage: native-check [--no-suite] [--tests <class-name regex>]
                  prints the CUDA driver, devices, cuBLAS/cuDNN providers and the kernel fatbin, then runs the
                  GPU-versus-CPU parity suite (tests tagged "gpu") and prints a table.
                  --no-suite  only the environment report
                  --tests     only parity test classes whose name matches the regex
                exit codes: 0 passed, 1 a check failed (or no parity test found), 2 bad arguments, 3 no GPU""";
    }
}
