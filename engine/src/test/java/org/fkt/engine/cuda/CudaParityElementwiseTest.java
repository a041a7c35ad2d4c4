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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every elementwise Backend op on the GPU against the CPU backend: scaled adds, scale, ReLU and its
 * backward, accumulate, sum, fill (aligned and misaligned views), the fused residual add + ReLU, strided
 * copies, type conversions and the row-vector ops of the dense layer. Fresh random inputs, every output
 * poisoned (NaN) on both devices first; float32 within 1e-5 relative. Skips, printing why, where no CUDA
 * device is usable.
 */
@Tag("gpu")
class CudaParityElementwiseTest extends GpuTestCase {
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
}
