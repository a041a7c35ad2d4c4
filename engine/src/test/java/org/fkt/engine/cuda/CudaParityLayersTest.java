package org.fkt.engine.cuda;

import static org.fkt.engine.cuda.GpuCheck.GPU;
import static org.fkt.engine.cuda.GpuCheck.assertClose;
import static org.fkt.engine.cuda.GpuCheck.onGpu;
import static org.fkt.engine.cuda.GpuCheck.poisoned;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.fkt.engine.backend.Conv2dSpec;
import org.fkt.engine.backend.Pool2dSpec;
import org.fkt.engine.natives.NativeLibraries;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The layer ops on the GPU against the CPU backend: matmul (cuBLAS) and convolution (cuDNN), both also in
 * TF32, batch normalisation (alone and fused with ReLU), max and global average pooling. Fresh random
 * inputs, every output poisoned (NaN) on both devices first; float32 within 1e-5 relative. Skips, printing
 * why, where no CUDA device is usable.
 */
@Tag("gpu")
class CudaParityLayersTest extends GpuTestCase {
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
        int p = spec.outputSize(15, k);
        g.assertConvMatchesCpu(GPU, g.normal(1, 4, 8, 15, 15), g.normal(0.2, 16, 8, k, k), g.normal(1, 4, 16, p, p),
                spec, rtol);
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
        g.cpu.maxPool2dBackward(dy, idx, dx, spec);
        g.gpu.maxPool2dBackward(onGpu(dy), gidx, gdx, spec);
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
