package org.fkt.train;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.fkt.engine.backend.Backends;
import org.fkt.engine.cuda.CudaBackend;
import org.fkt.engine.tensor.Device;

/**
 * Where a run computes: the device (the CPU or cuda:N) and whether GEMMs and convolutions use TF32
 * tensor-core math there. Resolved once per command from {@code --device} and {@code --tf32}, printed,
 * recorded in the run files, and applied process-wide ({@link CudaBackend#tf32(boolean)}: the one CUDA
 * backend instance the service loader registers). TF32 has no meaning on the CPU: asked for there it is
 * reported as ignored and recorded as off, so a record's {@code tf32} says what the run actually did.
 */
public record Compute(Device device, boolean tf32) {
    /** The CPU, float32 throughout. */
    public static final Compute CPU = new Compute(Device.CPU, false);

    public Compute {
        if (device == null) {
            throw new IllegalArgumentException("compute: device is null");
        }
        if (tf32 && device.kind() != Device.Kind.CUDA) {
            throw new IllegalArgumentException("compute: TF32 applies to CUDA devices only, not " + device);
        }
    }

    /**
     * Resolves {@code --device} ("auto", "cpu", "cuda" or "cuda:N") and {@code --tf32}, printing the
     * choice and why. "auto" takes cuda:0 when the CUDA backend is usable, else the CPU with the backend's
     * reason; an explicit cuda:N that cannot run fails with that reason. TF32 is switched on the backend.
     */
    public static Compute resolve(String spec, boolean tf32, PrintStream out) {
        String s = spec == null ? "auto" : spec.trim().toLowerCase(Locale.ROOT);
        Device device;
        String why;
        if (s.equals("auto")) {
            if (Backends.available(Device.Kind.CUDA)) {
                device = Device.cuda(0);
                why = "auto: the CUDA backend is usable";
            } else {
                device = Device.CPU;
                String reason = Backends.unavailableReason(Device.Kind.CUDA);
                why = "auto: " + (reason != null ? reason : "no CUDA backend in this build");
            }
        } else {
            device = Device.parse(s);
            why = "--device " + s;
        }
        String detail = "";
        if (device.kind() == Device.Kind.CUDA) {
            if (!Backends.available(Device.Kind.CUDA)) {
                String reason = Backends.unavailableReason(Device.Kind.CUDA);
                throw new IllegalArgumentException("--device " + device + ": cannot train on the GPU: "
                        + (reason != null ? reason : "no CUDA backend is on the class path"));
            }
            try {
                detail = " (" + CudaBackend.describe(device) + ")";
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("--device " + device + ": " + e.getMessage(), e);
            }
        }
        boolean on = tf32 && device.kind() == Device.Kind.CUDA;
        Compute c = new Compute(device, on);
        c.apply();
        out.println("device: " + device + detail + " [" + why + "]" + (device.kind() == Device.Kind.CUDA
                ? ", " + c.mathLabel() : tf32 ? "; --tf32 ignored on the CPU" : ""));
        return c;
    }

    /** Switches the CUDA backend's GEMM and convolution math to this record's TF32 setting. */
    public void apply() {
        if (device.kind() == Device.Kind.CUDA && Backends.of(device) instanceof CudaBackend cuda) {
            cuda.tf32(tf32);
        }
    }

    /** "float32" or "TF32 GEMMs/convolutions". */
    public String mathLabel() {
        return tf32 ? "TF32 GEMMs/convolutions" : "float32";
    }

    /** "cpu", "cuda:0 float32" or "cuda:0 TF32 GEMMs/convolutions": for result lines. */
    public String label() {
        return device.kind() == Device.Kind.CPU ? device.toString() : device + " " + mathLabel();
    }

    /** The run record's fields: {@code device} and {@code tf32}. */
    public Map<String, Object> toMap() {
        var m = new LinkedHashMap<String, Object>();
        m.put("device", device.toString());
        m.put("tf32", tf32);
        return m;
    }
}
