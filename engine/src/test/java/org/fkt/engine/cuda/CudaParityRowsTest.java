package org.fkt.engine.cuda;

import static org.fkt.engine.cuda.GpuCheck.GPU;
import static org.fkt.engine.cuda.GpuCheck.assertClose;
import static org.fkt.engine.cuda.GpuCheck.onGpu;
import static org.fkt.engine.cuda.GpuCheck.poisoned;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The row-wise ops of a network's head on the GPU against the CPU backend: log-softmax, softmax
 * cross-entropy, argmax and L2 normalisation, forward and backward. Fresh random inputs, every output
 * poisoned (NaN) on both devices first; float32 within 1e-5 relative. Skips, printing why, where no CUDA
 * device is usable.
 */
@Tag("gpu")
class CudaParityRowsTest extends GpuTestCase {
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
}
