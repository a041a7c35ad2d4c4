package org.fkt.engine.cuda;

import static org.fkt.engine.cuda.GpuCheck.GPU;
import static org.fkt.engine.cuda.GpuCheck.assertClose;
import static org.fkt.engine.cuda.GpuCheck.onGpu;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Ops.sum and Ops.mean forward and backward on the GPU: the gradient matches the CPU's, and the pass
 * reads nothing back to the host (the backward broadcasts the gradient on the device, so a training
 * step through them keeps its single readout). Skips, printing why, where no CUDA device is usable.
 */
@Tag("gpu")
class CudaSumGradientTest extends GpuTestCase {
    @ParameterizedTest(name = "{0} over ({1}, {2})")
    @CsvSource({"sum, 1, 1", "sum, 3, 7", "mean, 1, 1", "mean, 4, 4096", "mean, 2, 100003"})
    void backwardStaysOnTheDevice(String reduction, int rows, int cols) {
        Tensor x = g.normal(1, rows, cols).requiresGrad(true); // (rows, cols)
        Tensor gx = onGpu(x).requiresGrad(true);
        reduce(reduction, Ops.relu(x)).backward();
        CudaStaging staging = CudaDriver.of(GPU).staging();
        long before = staging.hostReads();
        reduce(reduction, Ops.relu(gx)).backward();
        long reads = staging.hostReads() - before;
        assertEquals(0, reads, reduction + " forward and backward on the GPU read " + reads + " times to the host");
        assertClose(reduction + " gradient", x.grad(), gx.grad());
    }

    private static Tensor reduce(String reduction, Tensor t) {
        return reduction.equals("mean") ? Ops.mean(t) : Ops.sum(t);
    }
}
