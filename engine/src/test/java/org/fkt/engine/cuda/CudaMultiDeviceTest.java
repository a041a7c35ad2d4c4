package org.fkt.engine.cuda;

import static org.fkt.engine.cuda.GpuCheck.assertClose;
import static org.fkt.engine.cuda.GpuCheck.poisoned;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.fkt.engine.backend.Conv2dSpec;
import org.fkt.engine.backend.LarsHyper;
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

/**
 * The CUDA backend on a second device: cuda:1's convolutions, GEMMs, batch norm and optimizer steps
 * against the CPU backend, cuda:0 and cuda:1 used alternately (each with its own cuBLAS and cuDNN handles,
 * which the emulator's fakes check are used only with their device's context current), copies between
 * the devices, and a clear error for a device that does not exist. Skips, printing why, with fewer than
 * two devices; the emulated run (FKT_EMU_DEVICES=2 in engine/pom.xml) must have two.
 */
@Tag("gpu")
class CudaMultiDeviceTest {
    private static final Device GPU0 = Device.cuda(0);
    private static final Device GPU1 = Device.cuda(1);

    private GpuCheck g;
    private MemoryScope scope;

    @BeforeEach
    void setUp() {
        GpuCheck.assumeGpu();
        int count = CudaBackend.deviceCount();
        if (count < 2) {
            String reason = "multi-device tests need two CUDA devices, found " + count;
            if (GpuCheck.EMULATED) {
                fail(reason + " in the emulated run (is FKT_EMU_DEVICES=2 set by the cuda-emulator execution?)");
            }
            System.out.println("skipping " + reason);
            Assumptions.abort(reason);
        }
        g = new GpuCheck(System.nanoTime());
        scope = MemoryScope.open();
    }

    @AfterEach
    void tearDown() {
        if (scope != null) {
            scope.close();
        }
    }

    @Test
    void conv2dOnTheSecondDevice() {
        assumeLibrary("cuDNN", NativeLibraries::dnn);
        conv2dCase(GPU1, 3, 1, 1);
        conv2dCase(GPU1, 1, 2, 0);
    }

    @Test
    void matmulOnTheSecondDevice() {
        assumeLibrary("cuBLAS", NativeLibraries::blas);
        matmulCase(GPU1, false, false);
        matmulCase(GPU1, true, true);
    }

    @Test
    void batchNormStepOnTheSecondDevice() {
        int n = 4;
        int c = 8;
        int hw = 5;
        Tensor x = g.normal(2, n, c, hw, hw);
        Tensor gamma = g.normal(1, c);
        Tensor beta = g.normal(1, c);
        Tensor rm = g.normal(1, c);
        Tensor rv = Tensor.full(1.5, DType.FLOAT32, Device.CPU, c);
        Tensor grm = rm.to(GPU1);
        Tensor grv = rv.to(GPU1);
        Tensor y = poisoned(Device.CPU, x.shape());
        Tensor gy = poisoned(GPU1, x.shape());
        Tensor sm = poisoned(Device.CPU, c);
        Tensor si = poisoned(Device.CPU, c);
        Tensor gsm = poisoned(GPU1, c);
        Tensor gsi = poisoned(GPU1, c);
        Tensor gx = x.to(GPU1);
        Tensor gg = gamma.to(GPU1);
        g.cpu.batchNormForwardTraining(x, gamma, beta, rm, rv, 0.1, 1e-5, y, sm, si);
        g.gpu.batchNormForwardTraining(gx, gg, beta.to(GPU1), grm, grv, 0.1, 1e-5, gy, gsm, gsi);
        assertClose("cuda:1 bn forward y", y, gy);
        assertClose("cuda:1 bn running mean", rm, grm);
        assertClose("cuda:1 bn running var", rv, grv);
        Tensor dy = g.normal(1, x.shape());
        Tensor dx = poisoned(Device.CPU, x.shape());
        Tensor gdx = poisoned(GPU1, x.shape());
        Tensor dg = poisoned(Device.CPU, c);
        Tensor db = poisoned(Device.CPU, c);
        Tensor gdg = poisoned(GPU1, c);
        Tensor gdb = poisoned(GPU1, c);
        g.cpu.batchNormBackward(dy, x, gamma, sm, si, true, dx, dg, db);
        g.gpu.batchNormBackward(dy.to(GPU1), gx, gg, gsm, gsi, true, gdx, gdg, gdb);
        GpuCheck.assertClose("cuda:1 bn backward dx", dx.toDoubleArray(), gdx.toDoubleArray(), 1e-4, 1e-5);
        GpuCheck.assertClose("cuda:1 bn backward dgamma", dg.toDoubleArray(), gdg.toDoubleArray(), 1e-4, 1e-5);
        GpuCheck.assertClose("cuda:1 bn backward dbeta", db.toDoubleArray(), gdb.toDoubleArray(), 1e-4, 1e-5);
    }

    @Test
    void sgdAndLarsStepsOnTheSecondDevice() {
        int[][] shapes = {{16, 3, 3, 3}, {16}, {1000}};
        List<Tensor> w = shapes(shapes, 1);
        List<Tensor> gr = shapes(shapes, 0.01);
        List<Tensor> v = shapes(shapes, 0.1);
        List<Tensor> gw = onto(w, GPU1);
        List<Tensor> ggr = onto(gr, GPU1);
        List<Tensor> gv = onto(v, GPU1);
        SgdHyper sgd = new SgdHyper(0.1, 0.9, 0, true, 1e-4);
        g.cpu.sgdStep(w, gr, v, sgd, true);
        g.gpu.sgdStep(gw, ggr, gv, sgd, true);
        boolean[] decay = {true, false, true};
        boolean[] adapt = {true, false, true};
        LarsHyper lars = new LarsHyper(0.3, 0.9, 1e-6, 0.001, false);
        g.cpu.larsStep(w, gr, v, decay, adapt, lars);
        g.gpu.larsStep(gw, ggr, gv, decay, adapt, lars);
        for (int i = 0; i < w.size(); i++) {
            assertClose("cuda:1 sgd then lars param " + i, w.get(i), gw.get(i));
            assertClose("cuda:1 sgd then lars buffer " + i, v.get(i), gv.get(i));
        }
    }

    @Test
    void theTwoDevicesUsedAlternatelyDoNotInterfere() {
        assumeLibrary("cuBLAS", NativeLibraries::blas);
        assumeLibrary("cuDNN", NativeLibraries::dnn);
        long before = CudaBackend.memoryInUse(GPU0)[0];
        Tensor on1 = g.normal(1, 1 << 14).to(GPU1);
        assertEquals(before, CudaBackend.memoryInUse(GPU0)[0], "an allocation on cuda:1 counted on cuda:0");
        for (int round = 0; round < 2; round++) {
            for (Device d : List.of(GPU0, GPU1, GPU1, GPU0)) {
                matmulCase(d, round == 1, false);
                conv2dCase(d, 3, 2, 1);
            }
        }
        Tensor sum0 = poisoned(GPU0, 1);
        Tensor sum1 = poisoned(GPU1, 1);
        Tensor on0 = on1.to(GPU0);
        g.gpu.sum(on0, sum0);
        g.gpu.sum(on1, sum1);
        assertArrayEquals(sum0.toFloatArray(), sum1.toFloatArray(), "the same sum on cuda:0 and cuda:1");
    }

    @Test
    void aThreadThatNeverUsedCudaCanStartOnTheSecondDevice() throws InterruptedException {
        assumeLibrary("cuBLAS", NativeLibraries::blas);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try (var s = MemoryScope.open()) {
                matmulCase(GPU1, false, true);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new AssertionError("matmul on cuda:1 from a fresh thread", failure.get());
        }
    }

    @Test
    void copiesBetweenDevicesGoThroughTheHost() {
        Tensor x = g.normal(1, 3, 1000);
        Tensor on0 = x.to(GPU0);
        Tensor on1 = on0.to(GPU1);
        assertEquals(GPU1, on1.device());
        assertArrayEquals(x.toFloatArray(), on1.toFloatArray(), "cuda:0 to cuda:1");
        Tensor back = on1.slice(1000, 2, 1000).to(GPU0);
        assertArrayEquals(x.slice(1000, 2, 1000).toFloatArray(), back.toFloatArray(), "a view of cuda:1 to cuda:0");
        Tensor other = poisoned(GPU1, 3, 1000);
        var e = assertThrows(IllegalArgumentException.class, () -> g.gpu.copy(on0, other));
        assertTrue(e.getMessage().contains("cuda:0") && e.getMessage().contains("cuda:1"), e.getMessage());
    }

    @Test
    void aDeviceThatDoesNotExistIsNamed() {
        Device missing = Device.cuda(CudaBackend.deviceCount());
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.empty(DType.FLOAT32, missing, 4));
        assertTrue(e.getMessage().contains(missing + " does not exist"), e.getMessage());
    }

    private void matmulCase(Device device, boolean transA, boolean transB) {
        Tensor a = transA ? g.normal(1, 33, 17) : g.normal(1, 17, 33);
        Tensor b = transB ? g.normal(1, 9, 33) : g.normal(1, 33, 9);
        Tensor c = g.normal(1, 17, 9);
        Tensor gc = c.to(device);
        Tensor terms = GpuCheck.abs(c);
        g.cpu.matmul(GpuCheck.abs(a), transA, GpuCheck.abs(b), transB, terms, 1.5, 0.5);
        g.cpu.matmul(a, transA, b, transB, c, 1.5, 0.5);
        g.gpu.matmul(a.to(device), transA, b.to(device), transB, gc, 1.5, 0.5);
        GpuCheck.assertCloseToTerms(device + " matmul", c.toDoubleArray(), gc.toDoubleArray(), terms.toDoubleArray(),
                GpuCheck.RTOL);
    }

    private void conv2dCase(Device device, int k, int stride, int pad) {
        Conv2dSpec spec = new Conv2dSpec(stride, pad);
        int p = spec.outputSize(9, k);
        Tensor x = g.normal(1, 2, 4, 9, 9);  // (N, C, H, W)
        Tensor w = g.normal(0.2, 8, 4, k, k);  // (K, C, R, S)
        g.assertConvMatchesCpu(device, x, w, g.normal(1, 2, 8, p, p), spec, GpuCheck.RTOL);
    }

    private List<Tensor> shapes(int[][] shapes, double scale) {
        return java.util.Arrays.stream(shapes).map(s -> g.normal(scale, s)).toList();
    }

    private static List<Tensor> onto(List<Tensor> tensors, Device device) {
        return tensors.stream().map(t -> t.to(device)).toList();
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
