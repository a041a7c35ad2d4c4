package org.fkt.engine.cuda;

import static org.fkt.engine.cuda.GpuCheck.assertClose;
import static org.fkt.engine.cuda.GpuCheck.onGpu;

import java.util.List;
import org.fkt.engine.backend.LarsHyper;
import org.fkt.engine.backend.SgdHyper;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fused optimizer steps on the GPU against the CPU backend: SGD (momentum, Nesterov, weight decay) and
 * LARS, over several parameter shapes, a misaligned parameter included. Fresh random inputs, every output
 * poisoned (NaN) on both devices first; float32 within 1e-5 relative. Skips, printing why, where no CUDA
 * device is usable.
 */
@Tag("gpu")
class CudaParityOptimizersTest extends GpuTestCase {
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
}
