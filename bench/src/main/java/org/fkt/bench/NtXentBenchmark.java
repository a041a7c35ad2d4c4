package org.fkt.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.fkt.engine.cuda.CudaBackend;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.loss.NtXent;
import org.fkt.nn.loss.NtXentPath;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * NT-Xent forward + backward, float32, temperature 0.5, on the CPU or ({@code -p device=cuda}) the GPU:
 * the fused engine op against the composed reference path (normalise, matmul, mask, cross-entropy,
 * which holds several (2N, 2N) matrices). One op = loss and dz for projections z (2N, D) (z's gradient
 * is dropped before each op, so dz is a fresh tensor rather than an accumulation); both paths do
 * 3 (2N)^2 D multiply-adds in matrix products, so GFLOP/s = 6 (2N)^2 D / (ms * 1e6).
 *
 * <p>{@code case} is {@code path:2NxD}. The composed path is left out at 2N = 65,536: one (2N, 2N)
 * float32 matrix is 16 GiB (the composed path builds about ten such buffers, and its mask is a Java
 * double[] that cannot hold 2^32 elements), beyond this machine. The PyTorch peer is
 * python/ntxent_torch_bench.py.
 *
 * <p>On the GPU the JMH score is host time (the op, then {@code loss.item()}, which waits for it), and
 * every measured op is also timed on the device by a CUDA event pair on the engine's stream around the
 * forward and backward ({@link CudaBackend#deviceMillis}); at the end of the trial the median of those
 * device times over the measurement iterations, and the peak device memory of one op, are printed on a
 * line starting {@code ntxent-device}, next to which JMH prints the host score.
 *
 * <p>{@code -p benchCase=gemm:2NxD} times the floor instead: plain matrix products (the backend's
 * matmul: cuBLAS on the GPU) of a (B, D) block of z against z^T, B = min(2N, 8192), repeated until they
 * do the same 3 (2N)^2 D multiply-adds as one fused forward + backward; its time is the floor that the
 * fused op's time is held against at 2N = 65,536 (target: fused time at most floor / 0.7).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class NtXentBenchmark {
    static final double TEMPERATURE = 0.5;

    @Param({"fused:512x128", "composed:512x128", "fused:4096x128", "composed:4096x128",
            "fused:16384x128", "composed:16384x128", "fused:65536x128",
            "fused:512x2048", "composed:512x2048"})
    public String benchCase;

    /** "cpu" or "cuda" (device 0). */
    @Param({"cpu"})
    public String device;

    private Tensor z;
    private NtXentPath path;
    private Tensor block;
    private Tensor scores;
    private Device gpu;
    private final List<Float> deviceMillis = new ArrayList<>();
    private final List<Float> measuredMillis = new ArrayList<>();
    private long peakBytes;

    /** Floating-point operations in the matrix products of one forward + backward of {@code rows} x {@code d}. */
    public static double flops(int rows, int d) {
        return 6.0 * rows * rows * d;
    }

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = benchCase.split(":");
        path = parts[0].equals("gemm") ? null : NtXentPath.parse(parts[0]);
        String[] dims = parts[1].split("x");
        int rows = Integer.parseInt(dims[0]);
        int d = Integer.parseInt(dims[1]);
        var random = new Random(7);
        float[] v = new float[rows * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        gpu = switch (device) {
            case "cpu" -> null;
            case "cuda" -> Device.cuda(0);
            default -> throw new IllegalArgumentException("device is cpu or cuda, got " + device);
        };
        Tensor host = MemoryScope.unscoped(() -> Tensor.of(v, rows, d));
        if (gpu == null) {
            z = host;
        } else {
            try (host) {
                z = MemoryScope.unscoped(() -> host.to(gpu));
            }
            System.out.println("ntxent-device: " + CudaBackend.describe(gpu));
        }
        if (path == null) {
            int b = Math.min(rows, 8192);
            block = MemoryScope.unscoped(() -> z.slice(0, b, d));
            scores = MemoryScope.unscoped(() -> Tensor.empty(z.dtype(), z.device(), b, rows));
        } else {
            z.requiresGrad(true);
        }
    }

    /** One op of the case: the fused or composed loss and its backward, or the floor's matrix products. */
    private Tensor step() {
        if (path == null) {
            int rows = z.dim(0);
            for (long done = 0; done < 3L * rows; done += block.dim(0)) {
                z.backend().matmul(block, false, z, true, scores, 1, 0);
            }
            return scores.slice(0, 1);
        }
        Tensor loss = NtXent.loss(z, TEMPERATURE, path);
        loss.backward();
        return loss;
    }

    @Benchmark
    public double forwardBackward() {
        z.grad(null);
        try (var step = MemoryScope.open()) {
            if (gpu == null) {
                return step().item();
            }
            Tensor[] loss = new Tensor[1];
            deviceMillis.add(CudaBackend.deviceMillis(gpu, () -> loss[0] = step()));
            return loss[0].item();
        }
    }

    /** Keeps the device times of measurement iterations only; measures the peak memory of one op once. */
    @TearDown(Level.Iteration)
    public void afterIteration(IterationParams iteration) {
        if (gpu == null) {
            return;
        }
        if (iteration.getType() == IterationType.MEASUREMENT) {
            measuredMillis.addAll(deviceMillis);
        } else if (peakBytes == 0) {
            z.grad(null);
            CudaBackend.synchronize(gpu);
            long before = CudaBackend.memoryInUse(gpu)[0];
            CudaBackend.resetPeak(gpu);
            forwardBackward();
            CudaBackend.synchronize(gpu);
            peakBytes = CudaBackend.memoryInUse(gpu)[1] - before;
        }
        deviceMillis.clear();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (gpu != null && !measuredMillis.isEmpty()) {
            List<Float> sorted = new ArrayList<>(measuredMillis);
            sorted.sort(null);
            float median = sorted.get(sorted.size() / 2);
            long zBytes = z.numel() * Float.BYTES;
            System.out.printf(Locale.ROOT, "ntxent-device %s: device median %.4f ms (min %.4f, max %.4f) over %d ops,"
                    + " %.1f GFLOP/s; peak %d bytes beyond z (target: 2 (z + dz) - z = %d)%n", benchCase, median,
                    sorted.get(0), sorted.get(sorted.size() - 1), sorted.size(),
                    flops(z.dim(0), z.dim(1)) / (median * 1e6), peakBytes, 3 * zBytes);
        }
        if (scores != null) {
            scores.close();
            block.close();
        }
        z.close();
    }
}
