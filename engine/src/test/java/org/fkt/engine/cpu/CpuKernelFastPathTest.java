package org.fkt.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.fkt.engine.backend.Backend;
import org.fkt.engine.backend.Backends;
import org.fkt.engine.backend.LarsHyper;
import org.fkt.engine.backend.Pool2dSpec;
import org.fkt.engine.backend.SgdHyper;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The float32 fast paths of batch norm, the elementwise kernels, pooling and the optimizer steps
 * against the float64 reference path from identical inputs, with outputs poisoned (NaN) first.
 * Sizes are odd on purpose: channels not multiples of 16, planes of 1 to 1024 elements, batch 1,
 * element counts that leave vector tails and cross the parallel split.
 */
class CpuKernelFastPathTest {
    private static final double ATOL = 1e-5;
    private static final double RTOL = 1e-4;
    /** Batch norm computes in double lanes and rounds once, so it matches the float64 path this closely. */
    private static final double BN_TOL = 1e-6;
    private final Backend cpu = Backends.of(Device.CPU);
    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open();
    }

    @AfterEach
    void close() {
        scope.close();
    }

    @ParameterizedTest(name = "batch norm n{0} c{1} {2}x{3}")
    @CsvSource({"32, 20, 4, 4", "2, 64, 32, 32", "4, 11, 5, 6", "1, 17, 3, 1", "3, 7, 1, 1", "1, 3, 37, 29"})
    void batchNorm(int n, int c, int h, int w) {
        Random random = Pair.random("batch norm n" + n + " c" + c + " " + h + "x" + w);
        // an offset far from zero relative to the spread checks the centring of the variance
        Pair x = Pair.normal(random, 2, n, c, h, w);
        cpu.addScaled(x.f32(), 1, Tensor.full(50, DType.FLOAT32, Device.CPU, n, c, h, w), 1, x.f32());
        x = new Pair(x.f32(), x.f32().to(DType.FLOAT64));
        Pair gamma = Pair.uniform(random, 0.5, 1.5, c);
        Pair beta = Pair.normal(random, 1, c);
        Pair runMean = Pair.normal(random, 1, c);
        Pair runVar = Pair.uniform(random, 0.5, 2, c);
        Pair y = Pair.poisoned(n, c, h, w);
        Pair mean = Pair.poisoned(c);
        Pair invStd = Pair.poisoned(c);
        cpu.batchNormForwardTraining(x.f32(), gamma.f32(), beta.f32(), runMean.f32(), runVar.f32(), 0.1, 1e-5,
                y.f32(), mean.f32(), invStd.f32());
        cpu.batchNormForwardTraining(x.f64(), gamma.f64(), beta.f64(), runMean.f64(), runVar.f64(), 0.1, 1e-5,
                y.f64(), mean.f64(), invStd.f64());
        y.assertClose("forward", BN_TOL, BN_TOL);
        mean.assertClose("saved mean", BN_TOL, BN_TOL);
        invStd.assertClose("saved inverse std", BN_TOL, BN_TOL);
        runMean.assertClose("running mean", BN_TOL, BN_TOL);
        runVar.assertClose("running variance", BN_TOL, BN_TOL);

        Pair dy = Pair.normal(random, 1, n, c, h, w);
        for (boolean batchStatistics : new boolean[] {true, false}) {
            Pair dx = Pair.poisoned(n, c, h, w);
            Pair dgamma = Pair.poisoned(c);
            Pair dbeta = Pair.poisoned(c);
            // both read the float32 saved statistics, so only the arithmetic differs
            Pair savedMean = new Pair(mean.f32(), mean.f32().to(DType.FLOAT64));
            Pair savedInvStd = new Pair(invStd.f32(), invStd.f32().to(DType.FLOAT64));
            cpu.batchNormBackward(dy.f32(), x.f32(), gamma.f32(), savedMean.f32(), savedInvStd.f32(), batchStatistics,
                    dx.f32(), dgamma.f32(), dbeta.f32());
            cpu.batchNormBackward(dy.f64(), x.f64(), gamma.f64(), savedMean.f64(), savedInvStd.f64(), batchStatistics,
                    dx.f64(), dgamma.f64(), dbeta.f64());
            dx.assertClose("backward dx, batch statistics " + batchStatistics, BN_TOL, BN_TOL);
            dgamma.assertClose("backward dgamma", BN_TOL, BN_TOL);
            dbeta.assertClose("backward dbeta", BN_TOL, BN_TOL);
        }

        Pair yi = Pair.poisoned(n, c, h, w);
        Pair mi = Pair.poisoned(c);
        Pair si = Pair.poisoned(c);
        cpu.batchNormForwardInference(x.f32(), gamma.f32(), beta.f32(), runMean.f32(), runVar.f32(), 1e-5,
                yi.f32(), mi.f32(), si.f32());
        cpu.batchNormForwardInference(x.f64(), gamma.f64(), beta.f64(), runMean.f64(), runVar.f64(), 1e-5,
                yi.f64(), mi.f64(), si.f64());
        yi.assertClose("inference", BN_TOL, BN_TOL);
        si.assertClose("inference inverse std", BN_TOL, BN_TOL);
    }

    @ParameterizedTest(name = "elementwise n={0}")
    @ValueSource(ints = {1, 15, 17, 1000, 100_003})
    void elementwise(int n) {
        Random random = Pair.random("elementwise n" + n);
        Pair a = Pair.normal(random, 1, n);
        Pair b = Pair.normal(random, 1, n);
        Pair out = Pair.poisoned(n);
        cpu.addScaled(a.f32(), 0.75, b.f32(), -1.25, out.f32());
        cpu.addScaled(a.f64(), 0.75, b.f64(), -1.25, out.f64());
        out.assertClose("addScaled", ATOL, RTOL);

        Pair acc = Pair.copyOf(a);
        cpu.accumulate(acc.f32(), b.f32(), 0.3);
        cpu.accumulate(acc.f64(), b.f64(), 0.3);
        acc.assertClose("accumulate", ATOL, RTOL);

        Pair scaled = Pair.poisoned(n);
        cpu.scale(a.f32(), -2.5, scaled.f32());
        cpu.scale(a.f64(), -2.5, scaled.f64());
        scaled.assertClose("scale", ATOL, RTOL);

        Pair y = Pair.poisoned(n);
        cpu.relu(a.f32(), y.f32());
        cpu.relu(a.f64(), y.f64());
        y.assertClose("relu", 0, 0);

        Pair dx = Pair.poisoned(n);
        cpu.reluBackward(y.f32(), b.f32(), dx.f32());
        cpu.reluBackward(y.f64(), b.f64(), dx.f64());
        dx.assertClose("relu backward", 0, 0);

        Pair total = Pair.poisoned(1);
        cpu.sum(a.f32(), total.f32());
        cpu.sum(a.f64(), total.f64());
        total.assertClose("sum", 1e-6 * Math.sqrt(n), RTOL);

        Pair filled = Pair.poisoned(n);
        cpu.fill(filled.f32(), -3.5);
        cpu.fill(filled.f64(), -3.5);
        filled.assertClose("fill", 0, 0);
    }

    @Test
    void reluOfSpecialValues() {
        float[] v = {Float.NaN, -0f, 0f, -1e-30f, 1e-30f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, 2f};
        Tensor x = Tensor.of(v, v.length);
        Tensor y = Tensor.full(Double.NaN, DType.FLOAT32, Device.CPU, v.length);
        cpu.relu(x, y);
        float[] got = y.toFloatArray();
        float[] want = {Float.NaN, 0f, 0f, 0f, 1e-30f, 0f, Float.POSITIVE_INFINITY, 2f};   // NaN propagates, as torch.relu
        for (int i = 0; i < v.length; i++) {
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), "relu(" + v[i] + ")");
        }
    }

    @ParameterizedTest(name = "pooling n{0} c{1} {2}x{3}")
    @CsvSource({"2, 5, 9, 7", "1, 17, 32, 32", "3, 3, 1, 1", "2, 16, 4, 6"})
    void pooling(int n, int c, int h, int w) {
        Random random = Pair.random("pooling n" + n + " c" + c + " " + h + "x" + w);
        Pair x = Pair.normal(random, 1, n, c, h, w);
        var spec = new Pool2dSpec(3, 2, 1);
        int p = spec.outputSize(h);
        int q = spec.outputSize(w);
        Pair y = Pair.poisoned(n, c, p, q);
        Tensor arg32 = Tensor.empty(DType.INT32, Device.CPU, n, c, p, q);
        Tensor arg64 = Tensor.empty(DType.INT32, Device.CPU, n, c, p, q);
        cpu.maxPool2dForward(x.f32(), y.f32(), arg32, spec);
        cpu.maxPool2dForward(x.f64(), y.f64(), arg64, spec);
        y.assertClose("max pool", 0, 0);
        org.junit.jupiter.api.Assertions.assertArrayEquals(arg64.toIntArray(), arg32.toIntArray(), "argmax");
        Pair dy = Pair.normal(random, 1, n, c, p, q);
        Pair dx = Pair.poisoned(n, c, h, w);
        cpu.maxPool2dBackward(dy.f32(), arg32, dx.f32(), spec);
        cpu.maxPool2dBackward(dy.f64(), arg64, dx.f64(), spec);
        dx.assertClose("max pool backward", ATOL, RTOL);

        Pair avg = Pair.poisoned(n, c, 1, 1);
        cpu.globalAvgPoolForward(x.f32(), avg.f32());
        cpu.globalAvgPoolForward(x.f64(), avg.f64());
        avg.assertClose("global average", ATOL, RTOL);
        Pair g = Pair.normal(random, 1, n, c, 1, 1);
        Pair gx = Pair.poisoned(n, c, h, w);
        cpu.globalAvgPoolBackward(g.f32(), gx.f32());
        cpu.globalAvgPoolBackward(g.f64(), gx.f64());
        gx.assertClose("global average backward", ATOL, RTOL);
    }

    @ParameterizedTest(name = "sgd momentum {0} nesterov {1} decay {2} dampening {3}")
    @CsvSource({"0.9, false, 0.0005, 0", "0.9, true, 0, 0", "0, false, 0.01, 0", "0.8, false, 0, 0.3"})
    void sgd(double momentum, boolean nesterov, double decay, double dampening) {
        Random random = Pair.random("sgd");
        int[] sizes = {64, 1, 36_867, 17, 100_000};
        Pair[] w = new Pair[sizes.length];
        Pair[] g = new Pair[sizes.length];
        Pair[] v = new Pair[sizes.length];
        for (int t = 0; t < sizes.length; t++) {
            w[t] = Pair.normal(random, 1, sizes[t]);
            g[t] = Pair.normal(random, 1, sizes[t]);
            v[t] = Pair.poisoned(sizes[t]);
        }
        var hyper = new SgdHyper(0.1, momentum, dampening, nesterov, decay);
        for (int step = 0; step < 3; step++) {
            cpu.sgdStep(f32(w), f32(g), f32(v), hyper, step == 0);
            cpu.sgdStep(f64(w), f64(g), f64(v), hyper, step == 0);
        }
        for (int t = 0; t < sizes.length; t++) {
            w[t].assertClose("weights of tensor " + t, ATOL, RTOL);
            if (momentum != 0) {
                v[t].assertClose("momentum of tensor " + t, ATOL, RTOL);
            }
        }
    }

    @ParameterizedTest(name = "lars nesterov {0}")
    @ValueSource(booleans = {false, true})
    void lars(boolean nesterov) {
        Random random = Pair.random("lars");
        int[] sizes = {300, 5, 70_001};
        Pair[] w = new Pair[sizes.length];
        Pair[] g = new Pair[sizes.length];
        Pair[] v = new Pair[sizes.length];
        for (int t = 0; t < sizes.length; t++) {
            w[t] = Pair.normal(random, 1, sizes[t]);
            g[t] = Pair.normal(random, 0.1, sizes[t]);
            v[t] = Pair.normal(random, 0.01, sizes[t]);
        }
        var hyper = new LarsHyper(0.3, 0.9, 1e-6, 0.001, nesterov);
        boolean[] decay = {true, false, true};
        boolean[] adapt = {true, false, true};
        for (int step = 0; step < 2; step++) {
            cpu.larsStep(f32(w), f32(g), f32(v), decay, adapt, hyper);
            cpu.larsStep(f64(w), f64(g), f64(v), decay, adapt, hyper);
        }
        for (int t = 0; t < sizes.length; t++) {
            w[t].assertClose("weights of tensor " + t, ATOL, RTOL);
            v[t].assertClose("momentum of tensor " + t, ATOL, RTOL);
        }
    }

    private static List<Tensor> f32(Pair[] pairs) {
        return java.util.Arrays.stream(pairs).map(Pair::f32).toList();
    }

    private static List<Tensor> f64(Pair[] pairs) {
        return java.util.Arrays.stream(pairs).map(Pair::f64).toList();
    }
}
