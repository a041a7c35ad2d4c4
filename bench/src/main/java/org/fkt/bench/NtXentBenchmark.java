package org.fkt.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.fkt.engine.memory.MemoryScope;
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

/**
 * NT-Xent forward + backward on the CPU, float32, temperature 0.5: the fused engine op against the
 * composed reference path (normalise, matmul, mask, cross-entropy, which holds several (2N, 2N)
 * matrices). One op = loss and dz for projections z (2N, D) (z's gradient is dropped before each op,
 * so dz is a fresh tensor rather than an accumulation); both paths do 3 (2N)^2 D multiply-adds
 * in matrix products, so GFLOP/s = 6 (2N)^2 D / (ms * 1e6).
 *
 * <p>{@code case} is {@code path:2NxD}. The composed path is left out at 2N = 65,536: one (2N, 2N)
 * float32 matrix is 16 GiB (the composed path builds about ten such buffers, and its mask is a Java
 * double[] that cannot hold 2^32 elements), beyond this machine. The PyTorch peer is
 * python/ntxent_torch_bench.py.
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

    private Tensor z;
    private NtXentPath path;

    /** Floating-point operations in the matrix products of one forward + backward of {@code rows} x {@code d}. */
    public static double flops(int rows, int d) {
        return 6.0 * rows * rows * d;
    }

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = benchCase.split(":");
        path = NtXentPath.parse(parts[0]);
        String[] dims = parts[1].split("x");
        int rows = Integer.parseInt(dims[0]);
        int d = Integer.parseInt(dims[1]);
        var random = new Random(7);
        float[] v = new float[rows * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        z = MemoryScope.unscoped(() -> Tensor.of(v, rows, d)).requiresGrad(true);
    }

    @Benchmark
    public double forwardBackward() {
        z.grad(null);
        try (var step = MemoryScope.open()) {
            Tensor loss = NtXent.loss(z, TEMPERATURE, path);
            loss.backward();
            return loss.item();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        z.close();
    }
}
