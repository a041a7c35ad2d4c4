package org.fkt.engine.cuda;

import static org.fkt.engine.cuda.GpuCheck.GPU;
import static org.fkt.engine.cuda.GpuCheck.assertClose;
import static org.fkt.engine.cuda.GpuCheck.onGpu;
import static org.fkt.engine.cuda.GpuCheck.poisoned;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.fkt.engine.backend.Conv2dSpec;
import org.fkt.engine.backend.LarsHyper;
import org.fkt.engine.backend.Pool2dSpec;
import org.fkt.engine.backend.SgdHyper;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.natives.NativeLibraries;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every Backend op on the GPU against the CPU backend, on fresh random inputs with every output
 * poisoned (NaN) on both devices first: float32 within 1e-5 relative. Skips, printing why, where no
 * CUDA device is usable.
 */
@Tag("gpu")
class CudaParityTest {
    private GpuCheck g;
    private MemoryScope scope;

    @BeforeEach
    void setUp() {
        GpuCheck.assumeGpu();
        g = new GpuCheck(System.nanoTime());
        scope = MemoryScope.open();
    }

    @AfterEach
    void tearDown() {
        if (scope != null) {
            scope.close();
        }
    }

    @ParameterizedTest(name = "elementwise on {0} elements")
    @CsvSource({"1", "7", "4096", "100003"})
    void elementwise(int n) {
        Tensor a = g.normal(1, n);
        Tensor b = g.normal(1, n);
        Tensor ga = onGpu(a);
        Tensor gb = onGpu(b);
        Tensor c = poisoned(Device.CPU, n);
        Tensor d = poisoned(GPU, n);
        g.cpu.addScaled(a, 0.7, b, -1.3, c);
        g.gpu.addScaled(ga, 0.7, gb, -1.3, d);
        assertClose("addScaled", c, d);
        g.cpu.scale(a, 2.5, c);
        g.gpu.scale(ga, 2.5, d);
        assertClose("scale", c, d);
        g.cpu.relu(a, c);
        g.gpu.relu(ga, d);
        assertClose("relu", c, d);
        Tensor dx = poisoned(Device.CPU, n);
        Tensor gdx = poisoned(GPU, n);
        g.cpu.reluBackward(c, b, dx);
        g.gpu.reluBackward(d, gb, gdx);
        assertClose("reluBackward", dx, gdx);
        g.cpu.accumulate(a, b, 0.25);
        g.gpu.accumulate(ga, gb, 0.25);
        assertClose("accumulate", a, ga);
        Tensor s = poisoned(Device.CPU, 1);
        Tensor gs = poisoned(GPU, 1);
        g.cpu.sum(a, s);
        g.gpu.sum(ga, gs);
        assertClose("sum", s, gs);
        g.cpu.fill(c, 3.25);
        g.gpu.fill(d, 3.25);
        assertClose("fill", c, d);
    }

    @Test
    void misalignedViewsTakeTheScalarKernels() {
        Tensor a = g.normal(1, 1001);
        Tensor b = g.normal(1, 1001);
        Tensor ga = onGpu(a).slice(1, 1000);
        Tensor gb = onGpu(b).slice(1, 1000);
        Tensor c = poisoned(Device.CPU, 1000);
        Tensor d = poisoned(GPU, 1000);
        g.cpu.addScaled(a.slice(1, 1000), 0.5, b.slice(1, 1000), 2, c);
        g.gpu.addScaled(ga, 0.5, gb, 2, d);
        assertClose("addScaled on views at element 1", c, d);
        g.cpu.relu(a.slice(1, 1000), c);
        g.gpu.relu(ga, d);
        assertClose("relu on a view at element 1", c, d);
    }

    @Test
    void scalarKernelsOfEveryMap() {
        // views one element into their storage are not 16-byte aligned: every map takes its _v1 kernel
        Tensor a = g.normal(1, 1001);
        Tensor b = g.normal(1, 1001);
        Tensor ga = onGpu(a);
        Tensor gb = onGpu(b);
        Tensor c = poisoned(Device.CPU, 1000);
        Tensor d = poisoned(GPU, 1000);
        g.cpu.scale(a.slice(1, 1000), -1.5, c);
        g.gpu.scale(ga.slice(1, 1000), -1.5, d);
        assertClose("scale on a view at element 1", c, d);
        g.cpu.reluBackward(a.slice(1, 1000), b.slice(1, 1000), c);
        g.gpu.reluBackward(ga.slice(1, 1000), gb.slice(1, 1000), d);
        assertClose("reluBackward on views at element 1", c, d);
        g.cpu.accumulate(a.slice(1, 1000), b.slice(1, 1000), 0.75);
        g.gpu.accumulate(ga.slice(1, 1000), gb.slice(1, 1000), 0.75);
        assertClose("accumulate into a view at element 1", a, ga);
        Tensor sum = poisoned(Device.CPU, 1000);
        g.cpu.addScaled(a.slice(1, 1000), 1, b.slice(1, 1000), 1, sum);
        g.cpu.relu(sum, c);
        CudaElementwise.addRelu(CudaDriver.of(GPU), ga.slice(1, 1000), gb.slice(1, 1000), d);
        assertClose("add + relu on views at element 1", c, d);
    }

    @Test
    void residualAddFusedWithRelu() {
        Tensor a = g.normal(1, 8, 16, 5, 5);
        Tensor b = g.normal(1, 8, 16, 5, 5);
        Tensor sum = poisoned(Device.CPU, a.shape());
        Tensor expected = poisoned(Device.CPU, a.shape());
        g.cpu.addScaled(a, 1, b, 1, sum);
        g.cpu.relu(sum, expected);
        Tensor actual = poisoned(GPU, a.shape());
        CudaElementwise.addRelu(CudaDriver.of(GPU), onGpu(a), onGpu(b), actual);
        assertClose("add + relu", expected, actual);
    }

    @Test
    void copiesAndConversions() {
        Tensor a = g.normal(3, 4, 5, 6);
        Tensor t = a.transposeView(0, 2);
        Tensor c = poisoned(Device.CPU, t.shape());
        Tensor d = poisoned(GPU, t.shape());
        g.cpu.copy(t, c);
        g.gpu.copy(onGpu(a).transposeView(0, 2), d);
        assertClose("strided copy", c, d);
        for (DType to : new DType[] {DType.INT32, DType.FLOAT64, DType.INT64}) {
            Tensor ci = poisoned(to, Device.CPU, a.shape());
            Tensor gi = poisoned(to, GPU, a.shape());
            g.cpu.convert(a, ci);
            g.gpu.convert(onGpu(a), gi);
            assertArrayEquals(ci.toDoubleArray(), gi.toDoubleArray(), "convert to " + to.label());
        }
        Tensor wide = poisoned(DType.FLOAT64, Device.CPU, a.shape());
        g.cpu.convert(a, wide);
        Tensor wideT = wide.transposeView(0, 2);
        Tensor wc = poisoned(DType.FLOAT64, Device.CPU, wideT.shape());
        Tensor wd = poisoned(DType.FLOAT64, GPU, wideT.shape());
        g.cpu.copy(wideT, wc);
        g.gpu.copy(onGpu(wide).transposeView(0, 2), wd);
        assertArrayEquals(wc.toDoubleArray(), wd.toDoubleArray(), "strided copy of float64");
    }

    @Test
    void conversionsBetweenEveryPairOfTypes() {
        Tensor a = g.normal(1000, 3, 41);
        DType[] types = {DType.FLOAT32, DType.FLOAT64, DType.INT32, DType.INT64};
        for (DType from : types) {
            Tensor src = poisoned(from, Device.CPU, a.shape());
            g.cpu.convert(a, src);
            for (DType to : types) {
                if (to == from) {
                    continue;
                }
                Tensor ci = poisoned(to, Device.CPU, a.shape());
                Tensor gi = poisoned(to, GPU, a.shape());
                g.cpu.convert(src, ci);
                g.gpu.convert(onGpu(src), gi);
                assertArrayEquals(ci.toDoubleArray(), gi.toDoubleArray(), "convert " + from.label() + " to "
                        + to.label());
            }
        }
    }

    @Test
    void rowVectorOps() {
        Tensor x = g.normal(1, 300, 70);
        Tensor bias = g.normal(1, 70);
        Tensor gx = onGpu(x);
        g.cpu.addRowVector(x, bias);
        g.gpu.addRowVector(gx, onGpu(bias));
        assertClose("addRowVector", x, gx);
        Tensor s = poisoned(Device.CPU, 70);
        Tensor gs = poisoned(GPU, 70);
        g.cpu.sumRows(x, s);
        g.gpu.sumRows(gx, gs);
        assertClose("sumRows", s, gs);
    }

    @ParameterizedTest(name = "matmul transA={0} transB={1} tf32={2}")
    @CsvSource({"false, false, false", "true, false, false", "false, true, false", "true, true, false",
                "false, false, true", "true, true, true"})
    void matmul(boolean transA, boolean transB, boolean tf32) {
        assumeLibrary("cuBLAS", () -> NativeLibraries.blas());
        Tensor a = transA ? g.normal(1, 33, 17) : g.normal(1, 17, 33);
        Tensor b = transB ? g.normal(1, 9, 33) : g.normal(1, 33, 9);
        Tensor c = g.normal(1, 17, 9);
        Tensor gc = onGpu(c);
        Tensor terms = GpuCheck.abs(c);
        g.cpu.matmul(GpuCheck.abs(a), transA, GpuCheck.abs(b), transB, terms, 1.5, 0.5);
        g.cpu.matmul(a, transA, b, transB, c, 1.5, 0.5);
        withTf32(tf32, () -> g.gpu.matmul(onGpu(a), transA, onGpu(b), transB, gc, 1.5, 0.5));
        GpuCheck.assertCloseToTerms("matmul" + (tf32 ? " tf32" : ""), c.toDoubleArray(), gc.toDoubleArray(),
                terms.toDoubleArray(), rtol(tf32));
    }

    @ParameterizedTest(name = "conv2d k{0} s{1} p{2} tf32={3}")
    @CsvSource({"3, 1, 1, false", "1, 1, 0, false", "1, 2, 0, false", "7, 2, 3, false", "3, 2, 1, false",
                "3, 1, 1, true", "7, 2, 3, true"})
    void conv2d(int k, int stride, int pad, boolean tf32) {
        assumeLibrary("cuDNN", () -> NativeLibraries.dnn());
        withTf32(tf32, () -> conv2dCase(k, stride, pad, rtol(tf32)));
    }

    /** TF32 keeps 10 mantissa bits: GEMMs and convolutions agree to 5e-3 of their terms then. */
    private static double rtol(boolean tf32) {
        return tf32 ? 5e-3 : GpuCheck.RTOL;
    }

    private void withTf32(boolean on, Runnable body) {
        CudaBackend backend = (CudaBackend) g.gpu;
        boolean before = backend.tf32();
        backend.tf32(on);
        try {
            body.run();
        } finally {
            backend.tf32(before);
        }
    }

    private void conv2dCase(int k, int stride, int pad, double rtol) {
        Conv2dSpec spec = new Conv2dSpec(stride, pad);
        Tensor x = g.normal(1, 4, 8, 15, 15);
        Tensor w = g.normal(0.2, 16, 8, k, k);
        int p = spec.outputSize(15, k);
        Tensor y = poisoned(Device.CPU, 4, 16, p, p);
        Tensor gy = poisoned(GPU, 4, 16, p, p);
        Tensor dy = g.normal(1, 4, 16, p, p);
        Tensor ax = GpuCheck.abs(x);
        Tensor aw = GpuCheck.abs(w);
        Tensor ady = GpuCheck.abs(dy);
        g.cpu.conv2dForward(x, w, y, spec);
        g.gpu.conv2dForward(onGpu(x), onGpu(w), gy, spec);
        Tensor terms = poisoned(Device.CPU, y.shape());
        g.cpu.conv2dForward(ax, aw, terms, spec);
        GpuCheck.assertCloseToTerms("conv2d forward", y.toDoubleArray(), gy.toDoubleArray(), terms.toDoubleArray(),
                rtol);
        Tensor dx = poisoned(Device.CPU, x.shape());
        Tensor gdx = poisoned(GPU, x.shape());
        g.cpu.conv2dBackwardData(dy, w, dx, spec);
        g.gpu.conv2dBackwardData(onGpu(dy), onGpu(w), gdx, spec);
        terms = poisoned(Device.CPU, x.shape());
        g.cpu.conv2dBackwardData(ady, aw, terms, spec);
        GpuCheck.assertCloseToTerms("conv2d backward data", dx.toDoubleArray(), gdx.toDoubleArray(),
                terms.toDoubleArray(), rtol);
        Tensor dw = poisoned(Device.CPU, w.shape());
        Tensor gdw = poisoned(GPU, w.shape());
        g.cpu.conv2dBackwardFilter(x, dy, dw, spec);
        g.gpu.conv2dBackwardFilter(onGpu(x), onGpu(dy), gdw, spec);
        terms = poisoned(Device.CPU, w.shape());
        g.cpu.conv2dBackwardFilter(ax, ady, terms, spec);
        GpuCheck.assertCloseToTerms("conv2d backward filter", dw.toDoubleArray(), gdw.toDoubleArray(),
                terms.toDoubleArray(), rtol);
    }

    @ParameterizedTest(name = "batch norm ({0}, {1}, {2}, {2})")
    @CsvSource({"8, 16, 7", "4, 8, 4", "2, 3, 5", "16, 64, 8", "1, 2, 1"})
    void batchNorm(int n, int c, int hw) {
        Tensor x = g.normal(2, n, c, hw, hw);
        x.copyFrom(shifted(x.toFloatArray(), 3f));
        Tensor gamma = g.normal(1, c);
        Tensor beta = g.normal(1, c);
        Tensor rm = g.normal(1, c);
        Tensor rv = Tensor.full(1.5, DType.FLOAT32, Device.CPU, c);
        Tensor grm = onGpu(rm);
        Tensor grv = onGpu(rv);
        Tensor y = poisoned(Device.CPU, x.shape());
        Tensor gy = poisoned(GPU, x.shape());
        Tensor sm = poisoned(Device.CPU, c);
        Tensor si = poisoned(Device.CPU, c);
        Tensor gsm = poisoned(GPU, c);
        Tensor gsi = poisoned(GPU, c);
        Tensor gx = onGpu(x);
        Tensor gg = onGpu(gamma);
        g.cpu.batchNormForwardTraining(x, gamma, beta, rm, rv, 0.1, 1e-5, y, sm, si);
        g.gpu.batchNormForwardTraining(gx, gg, onGpu(beta), grm, grv, 0.1, 1e-5, gy, gsm, gsi);
        assertClose("bn forward y", y, gy);
        assertClose("bn saveMean", sm, gsm);
        assertClose("bn saveInvStd", si, gsi);
        assertClose("bn running mean", rm, grm);
        assertClose("bn running var", rv, grv);
        Tensor dy = g.normal(1, x.shape());
        for (boolean batch : new boolean[] {true, false}) {
            Tensor dx = poisoned(Device.CPU, x.shape());
            Tensor dg = poisoned(Device.CPU, c);
            Tensor db = poisoned(Device.CPU, c);
            Tensor gdx = poisoned(GPU, x.shape());
            Tensor gdg = poisoned(GPU, c);
            Tensor gdb = poisoned(GPU, c);
            g.cpu.batchNormBackward(dy, x, gamma, sm, si, batch, dx, dg, db);
            g.gpu.batchNormBackward(onGpu(dy), gx, gg, gsm, gsi, batch, gdx, gdg, gdb);
            // dx = gamma * invStd * (dy - mean(dy) - xhat * mean(dy * xhat)) cancels to exactly 0 where a
            // channel has one element; its rounding error is then of the size of the terms, gamma * invStd * dy.
            double terms = maxAbs(gamma) * maxAbs(si) * maxAbs(dy);
            GpuCheck.assertClose("bn backward dx (batch statistics " + batch + ")", dx.toDoubleArray(),
                    gdx.toDoubleArray(), GpuCheck.RTOL, GpuCheck.RTOL * GpuCheck.FLOOR * terms);
            assertClose("bn backward dgamma", dg, gdg);
            assertClose("bn backward dbeta", db, gdb);
        }
        g.cpu.batchNormForwardInference(x, gamma, beta, rm, rv, 1e-5, y, sm, si);
        g.gpu.batchNormForwardInference(gx, gg, onGpu(beta), grm, grv, 1e-5, gy, gsm, gsi);
        assertClose("bn inference y", y, gy);
        assertClose("bn inference saveInvStd", si, gsi);
    }

    @Test
    void batchNormFusedWithRelu() {
        int n = 6;
        int c = 12;
        Tensor x = g.normal(1, n, c, 8, 8);
        Tensor gamma = g.normal(1, c);
        Tensor beta = g.normal(1, c);
        Tensor rm = Tensor.zeros(DType.FLOAT32, Device.CPU, c);
        Tensor rv = Tensor.full(1, DType.FLOAT32, Device.CPU, c);
        Tensor y = poisoned(Device.CPU, x.shape());
        Tensor r = poisoned(Device.CPU, x.shape());
        Tensor sm = poisoned(Device.CPU, c);
        Tensor si = poisoned(Device.CPU, c);
        g.cpu.batchNormForwardTraining(x, gamma, beta, rm, rv, 0.1, 1e-5, y, sm, si);
        g.cpu.relu(y, r);
        CudaDriver d = CudaDriver.of(GPU);
        Tensor gx = onGpu(x);
        Tensor gr = poisoned(GPU, x.shape());
        Tensor gsm = poisoned(GPU, c);
        Tensor gsi = poisoned(GPU, c);
        Tensor gamma1 = onGpu(gamma);
        CudaBatchNorm.forwardTraining(d, gx, gamma1, onGpu(beta), onGpu(Tensor.zeros(DType.FLOAT32, Device.CPU, c)),
                onGpu(Tensor.full(1, DType.FLOAT32, Device.CPU, c)), 0.1, 1e-5, gr, gsm, gsi, true);
        assertClose("bn + relu forward", r, gr);
        Tensor dy = g.normal(1, x.shape());
        Tensor dyMasked = poisoned(Device.CPU, x.shape());
        g.cpu.reluBackward(r, dy, dyMasked);
        Tensor dx = poisoned(Device.CPU, x.shape());
        Tensor dg = poisoned(Device.CPU, c);
        Tensor db = poisoned(Device.CPU, c);
        g.cpu.batchNormBackward(dyMasked, x, gamma, sm, si, true, dx, dg, db);
        Tensor gdx = poisoned(GPU, x.shape());
        Tensor gdg = poisoned(GPU, c);
        Tensor gdb = poisoned(GPU, c);
        CudaBatchNorm.backward(d, onGpu(dy), gx, gamma1, gsm, gsi, true, gdx, gdg, gdb, gr);
        assertClose("bn + relu backward dx", dx, gdx);
        assertClose("bn + relu backward dgamma", dg, gdg);
        assertClose("bn + relu backward dbeta", db, gdb);
    }

    @ParameterizedTest(name = "max pool k{0} s{1} p{2} on {3}x{3}")
    @CsvSource({"3, 2, 1, 16", "2, 2, 0, 8", "3, 1, 1, 5"})
    void pooling(int k, int stride, int pad, int size) {
        Pool2dSpec spec = new Pool2dSpec(k, stride, pad);
        int p = spec.outputSize(size);
        Tensor x = g.normal(1, 3, 5, size, size);
        Tensor y = poisoned(Device.CPU, 3, 5, p, p);
        Tensor gy = poisoned(GPU, 3, 5, p, p);
        Tensor idx = poisoned(DType.INT32, Device.CPU, 3, 5, p, p);
        Tensor gidx = poisoned(DType.INT32, GPU, 3, 5, p, p);
        g.cpu.maxPool2dForward(x, y, idx, spec);
        g.gpu.maxPool2dForward(onGpu(x), gy, gidx, spec);
        assertClose("max pool forward", y, gy);
        assertArrayEquals(idx.toIntArray(), gidx.toIntArray(), "max pool argmax");
        Tensor dy = g.normal(1, 3, 5, p, p);
        Tensor dx = poisoned(Device.CPU, x.shape());
        Tensor gdx = poisoned(GPU, x.shape());
        g.cpu.maxPool2dBackward(dy, idx, dx);
        g.gpu.maxPool2dBackward(onGpu(dy), gidx, gdx);
        assertClose("max pool backward", dx, gdx);
        Tensor avg = poisoned(Device.CPU, 3, 5);
        Tensor gavg = poisoned(GPU, 3, 5);
        g.cpu.globalAvgPoolForward(x, avg);
        g.gpu.globalAvgPoolForward(onGpu(x), gavg);
        assertClose("global avg forward", avg, gavg);
        Tensor dAvg = g.normal(1, 3, 5);
        g.cpu.globalAvgPoolBackward(dAvg, dx);
        g.gpu.globalAvgPoolBackward(onGpu(dAvg), gdx);
        assertClose("global avg backward", dx, gdx);
    }

    @ParameterizedTest(name = "rows ({0}, {1})")
    @CsvSource({"5, 10", "64, 128", "512, 512", "3, 1000"})
    void rows(int rows, int k) {
        Tensor x = g.normal(3, rows, k);
        Tensor gx = onGpu(x);
        Tensor y = poisoned(Device.CPU, rows, k);
        Tensor gy = poisoned(GPU, rows, k);
        g.cpu.logSoftmaxRows(x, y);
        g.gpu.logSoftmaxRows(gx, gy);
        assertClose("log softmax", y, gy);
        Tensor dy = g.normal(1, rows, k);
        Tensor dx = poisoned(Device.CPU, rows, k);
        Tensor gdx = poisoned(GPU, rows, k);
        g.cpu.logSoftmaxRowsBackward(dy, y, dx);
        g.gpu.logSoftmaxRowsBackward(onGpu(dy), gy, gdx);
        assertClose("log softmax backward", dx, gdx);
        Tensor labels = g.ints(k, rows);
        Tensor loss = poisoned(Device.CPU, 1);
        Tensor gloss = poisoned(GPU, 1);
        g.cpu.crossEntropyForward(x, labels, loss, y);
        g.gpu.crossEntropyForward(gx, onGpu(labels), gloss, gy);
        assertClose("cross entropy loss", loss, gloss);
        assertClose("cross entropy log probs", y, gy);
        Tensor dloss = Tensor.of(new float[] {0.75f}, 1);
        g.cpu.crossEntropyBackward(dloss, y, labels, dx);
        g.gpu.crossEntropyBackward(onGpu(dloss), gy, onGpu(labels), gdx);
        assertClose("cross entropy backward", dx, gdx);
        Tensor am = poisoned(DType.INT32, Device.CPU, rows);
        Tensor gam = poisoned(DType.INT32, GPU, rows);
        g.cpu.argmaxRows(x, am);
        g.gpu.argmaxRows(gx, gam);
        assertArrayEquals(am.toIntArray(), gam.toIntArray(), "argmax");
        float[] withZeroRow = x.toFloatArray();
        java.util.Arrays.fill(withZeroRow, 0, k, 0f);
        x.copyFrom(withZeroRow);
        gx = onGpu(x);
        Tensor norms = poisoned(Device.CPU, rows);
        Tensor gnorms = poisoned(GPU, rows);
        g.cpu.l2NormalizeRows(x, 1e-12, y, norms);
        g.gpu.l2NormalizeRows(gx, 1e-12, gy, gnorms);
        assertClose("l2 normalize", y, gy);
        assertClose("l2 norms", norms, gnorms);
        g.cpu.l2NormalizeRowsBackward(dy, y, norms, 1e-12, dx);
        g.gpu.l2NormalizeRowsBackward(onGpu(dy), gy, gnorms, 1e-12, gdx);
        assertClose("l2 normalize backward", dx, gdx);
    }

    @ParameterizedTest(name = "sgd momentum {0} nesterov {1} decay {2} misaligned {3}")
    @CsvSource({"0.9, false, 1e-4, false", "0.9, true, 5e-4, false", "0, false, 0, false", "0.5, false, 0, false",
                "0.9, false, 1e-4, true"})
    void sgd(double momentum, boolean nesterov, double decay, boolean misaligned) {
        int[][] shapes = {{64, 3, 7, 7}, {64}, {70000}, {1}, {10, 2048}};
        List<Tensor> w = shapes(shapes, 1);
        List<Tensor> gr = shapes(shapes, 1);
        List<Tensor> v = shapes(shapes, 0);
        List<Tensor> gw = new java.util.ArrayList<>(w.stream().map(GpuCheck::onGpu).toList());
        if (misaligned) {
            // a parameter that starts one element into its storage takes the scalar kernel
            Tensor host = g.normal(1, 1001);
            Tensor device = onGpu(host);
            w = new java.util.ArrayList<>(w);
            w.set(1, host.slice(1, 64));
            gw.set(1, device.slice(1, 64));
        }
        List<Tensor> ggr = gr.stream().map(GpuCheck::onGpu).toList();
        List<Tensor> gv = v.stream().map(GpuCheck::onGpu).toList();
        SgdHyper h = new SgdHyper(0.1, momentum, 0, nesterov, decay);
        for (boolean first : new boolean[] {true, false}) {
            g.cpu.sgdStep(w, gr, v, h, first);
            g.gpu.sgdStep(gw, ggr, gv, h, first);
            for (int i = 0; i < w.size(); i++) {
                assertClose("sgd param " + i + (first ? " (first step)" : ""), w.get(i), gw.get(i));
                if (momentum != 0) {
                    assertClose("sgd buffer " + i, v.get(i), gv.get(i));
                }
            }
        }
    }

    @ParameterizedTest(name = "lars nesterov {0} misaligned {1}")
    @CsvSource({"false, false", "true, false", "false, true"})
    void lars(boolean nesterov, boolean misaligned) {
        int[][] shapes = {{64, 3, 7, 7}, {64}, {70000}, {1}, {10, 2048}, {5}};
        List<Tensor> w = shapes(shapes, 1);
        List<Tensor> gr = shapes(shapes, 0.01);
        List<Tensor> v = shapes(shapes, 0.1);
        g.cpu.fill(w.get(5), 0);
        List<Tensor> gw = new java.util.ArrayList<>(w.stream().map(GpuCheck::onGpu).toList());
        if (misaligned) {
            // a parameter that starts one element into its storage takes the scalar kernel
            Tensor host = g.normal(1, 1001);
            w = new java.util.ArrayList<>(w);
            w.set(1, host.slice(1, 64));
            gw.set(1, onGpu(host).slice(1, 64));
        }
        List<Tensor> ggr = gr.stream().map(GpuCheck::onGpu).toList();
        List<Tensor> gv = v.stream().map(GpuCheck::onGpu).toList();
        boolean[] decay = {true, false, true, false, true, true};
        boolean[] adapt = {true, false, true, false, true, true};
        LarsHyper h = new LarsHyper(0.3, 0.9, 1e-6, 0.001, nesterov);
        for (int step = 0; step < 2; step++) {
            g.cpu.larsStep(w, gr, v, decay, adapt, h);
            g.gpu.larsStep(gw, ggr, gv, decay, adapt, h);
            for (int i = 0; i < w.size(); i++) {
                assertClose("lars param " + i + " step " + step, w.get(i), gw.get(i));
                assertClose("lars buffer " + i + " step " + step, v.get(i), gv.get(i));
            }
        }
    }

    private List<Tensor> shapes(int[][] shapes, double scale) {
        return java.util.Arrays.stream(shapes).map(s -> g.normal(scale, s)).toList();
    }

    private static double maxAbs(Tensor t) {
        double m = 0;
        for (double v : t.toDoubleArray()) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static float[] shifted(float[] v, float by) {
        for (int i = 0; i < v.length; i++) {
            v[i] += by;
        }
        return v;
    }

    private static void assumeLibrary(String what, Runnable probe) {
        try {
            probe.run();
        } catch (RuntimeException e) {
            System.out.println("skipping " + what + " test: " + e.getMessage());
            Assumptions.abort(what + " is not usable: " + e.getMessage());
        }
    }
}
