package org.fkt.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.fkt.engine.backend.Backend;
import org.fkt.engine.backend.Conv2dSpec;
import org.fkt.engine.tensor.Tensor;
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
 * One float32 convolution forward plus backward (data and filter gradients) on the CPU backend at
 * ResNet shapes, batch 8. Each configuration does 3 * 2*N*K*C*R*S*P*Q floating-point operations
 * ({@link #flops}), so GFLOP/s = flops / (ms * 1e6).
 *
 * <ul>
 *   <li>{@code 64x56x56_3x3}: 64 -> 64 channels, 56x56, 3x3 stride 1 padding 1 (ResNet layer1)</li>
 *   <li>{@code 256x14x14_1x1}: 256 -> 1024 channels, 14x14, 1x1 (ResNet-50 layer3 expansion)</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class Conv2dBenchmark {
    static final int BATCH = 8;

    @Param({"64x56x56_3x3", "256x14x14_1x1"})
    public String shape;

    private Tensor x;
    private Tensor w;
    private Tensor y;
    private Tensor dx;
    private Tensor dw;
    private Conv2dSpec spec;
    private Backend backend;

    /** Shape parameters (C, K, H, kernel, padding) of a configuration name. */
    static int[] geometry(String name) {
        return switch (name) {
            case "64x56x56_3x3" -> new int[] {64, 64, 56, 3, 1};
            case "256x14x14_1x1" -> new int[] {256, 1024, 14, 1, 0};
            default -> throw new IllegalArgumentException("unknown conv shape " + name);
        };
    }

    /** Floating-point operations of one forward + backward of configuration {@code name}. */
    public static double flops(String name) {
        int[] g = geometry(name);
        return 3.0 * 2 * BATCH * g[1] * g[0] * g[3] * g[3] * g[2] * g[2];
    }

    @Setup(Level.Trial)
    public void setUp() {
        int[] g = geometry(shape);
        int c = g[0];
        int k = g[1];
        int h = g[2];
        int r = g[3];
        spec = new Conv2dSpec(1, g[4]);
        var random = new Random(42);
        x = random(random, BATCH, c, h, h);
        w = random(random, k, c, r, r);
        y = Tensor.empty(BATCH, k, h, h);
        dx = Tensor.empty(BATCH, c, h, h);
        dw = Tensor.empty(k, c, r, r);
        backend = x.backend();
    }

    private static Tensor random(Random random, int... shape) {
        Tensor t = Tensor.empty(shape);
        float[] v = new float[(int) t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        t.copyFrom(v);
        return t;
    }

    @Benchmark
    public Tensor forwardBackward() {
        backend.conv2dForward(x, w, y, spec);
        backend.conv2dBackwardData(y, w, dx, spec);
        backend.conv2dBackwardFilter(x, y, dw, spec);
        return dw;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Tensor t : new Tensor[] {x, w, y, dx, dw}) {
            t.close();
        }
    }
}
