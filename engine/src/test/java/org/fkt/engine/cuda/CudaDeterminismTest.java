package org.fkt.engine.cuda;

import static org.fkt.engine.cuda.GpuCheck.GPU;
import static org.fkt.engine.cuda.GpuCheck.assertClose;
import static org.fkt.engine.cuda.GpuCheck.onGpu;
import static org.fkt.engine.cuda.GpuCheck.poisoned;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.fkt.engine.backend.LarsHyper;
import org.fkt.engine.backend.Pool2dSpec;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The GPU kernels that once summed floats with atomics in whatever order the hardware ran them, now
 * deterministic: max-pool backward (a gather over the windows covering each input) and the LARS step
 * (per-block partial norms added in block order). Each is checked against its CPU twin (NaN-poisoned
 * outputs, GpuCheck's tolerances) and for bit-identical results from two runs on the same input. Fresh
 * random inputs, seeded by FKT_TEST_SEED when set (the seed is printed when a test fails), and a checksum of the float
 * bits of each result is printed, so runs under different emulator orders (FKT_EMU_ORDER, FKT_EMU_SEED)
 * can be compared from the shell. Skips, printing why, where no CUDA device is usable.
 */
@Tag("gpu")
class CudaDeterminismTest extends GpuTestCase {
    @ParameterizedTest(name = "max pool backward k{0} s{1} p{2} on {3}x{4}, ties {5}")
    @CsvSource({"3, 2, 1, 16, 16, false", "3, 2, 1, 17, 13, true", "3, 1, 1, 9, 9, false", "3, 1, 1, 12, 7, true",
                "2, 1, 0, 6, 11, true", "2, 2, 0, 8, 8, true"})
    void maxPoolBackward(int k, int stride, int pad, int h, int w, boolean ties) {
        Pool2dSpec spec = new Pool2dSpec(k, stride, pad);
        int p = spec.outputSize(h);
        int q = spec.outputSize(w);
        int[] in = {4, 6, h, w};
        int[] out = {4, 6, p, q};
        // ties: three levels only, so one element is the (first) maximum of many overlapping windows
        Tensor x = ties ? levels(3, in) : g.normal(1, in);
        Tensor y = poisoned(Device.CPU, out);
        Tensor idx = poisoned(DType.INT32, Device.CPU, out);
        Tensor gy = poisoned(GPU, out);
        Tensor gidx = poisoned(DType.INT32, GPU, out);
        g.cpu.maxPool2dForward(x, y, idx, spec);
        g.gpu.maxPool2dForward(onGpu(x), gy, gidx, spec);
        assertArrayEquals(idx.toIntArray(), gidx.toIntArray(), "max pool argmax");
        Tensor dy = g.normal(1, out);
        Tensor gdy = onGpu(dy);
        Tensor dx = poisoned(Device.CPU, in);
        g.cpu.maxPool2dBackward(dy, idx, dx, spec);
        String what = "max pool backward k" + k + " s" + stride + " p" + pad + " " + h + "x" + w + (ties ? " ties" : "");
        Tensor first = poisoned(GPU, in);
        g.gpu.maxPool2dBackward(gdy, gidx, first, spec);
        assertClose(what, dx.toDoubleArray(), first.toDoubleArray(), GpuCheck.RTOL, 1e-6);
        Tensor second = poisoned(GPU, in);
        g.gpu.maxPool2dBackward(gdy, gidx, second, spec);
        assertSameBits(what + ", second run", first, second);
        printChecksum(what, List.of(first));
    }

    @ParameterizedTest(name = "lars nesterov {0}")
    @CsvSource({"false", "true"})
    void lars(boolean nesterov) {
        // several chunks of CudaLaunch.OPTIMIZER_CHUNK (whole, with a tail), one chunk, tiny tensors
        int chunk = CudaLaunch.OPTIMIZER_CHUNK;
        int[][] shapes = {{5 * chunk - 17}, {64, 3, 7, 7}, {2 * chunk}, {1}, {3, chunk + 5}, {64}, {5}, {chunk + 1}};
        boolean[] decay = {true, true, false, false, true, false, true, true};
        boolean[] adapt = {true, true, true, false, true, false, true, false};
        List<Tensor> w = shapes(shapes, 1);
        List<Tensor> gr = shapes(shapes, 0.01);
        List<Tensor> v = shapes(shapes, 0.1);
        List<Tensor> aw = copies(w);
        List<Tensor> agr = copies(gr);
        List<Tensor> av = copies(v);
        List<Tensor> bw = copies(w);
        List<Tensor> bv = copies(v);
        LarsHyper hyper = new LarsHyper(0.3, 0.9, 1e-6, 0.001, nesterov);
        for (int step = 0; step < 2; step++) {
            g.cpu.larsStep(w, gr, v, decay, adapt, hyper);
            g.gpu.larsStep(aw, agr, av, decay, adapt, hyper);
            g.gpu.larsStep(bw, agr, bv, decay, adapt, hyper);
            for (int i = 0; i < w.size(); i++) {
                String what = "lars nesterov " + nesterov + " tensor " + i + " step " + step;
                assertClose(what + " param", w.get(i), aw.get(i));
                assertClose(what + " buffer", v.get(i), av.get(i));
                assertSameBits(what + " param, second run", aw.get(i), bw.get(i));
                assertSameBits(what + " buffer, second run", av.get(i), bv.get(i));
            }
        }
        List<Tensor> all = new ArrayList<>(aw);
        all.addAll(av);
        printChecksum("lars nesterov " + nesterov, all);
    }

    /** Uniform integers in [0, count) as float32 on the CPU. */
    private Tensor levels(int count, int... shape) {
        Tensor t = Tensor.empty(DType.FLOAT32, Device.CPU, shape);
        float[] v = new float[(int) t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = g.random.nextInt(count);
        }
        t.copyFrom(v);
        return t;
    }

    private List<Tensor> shapes(int[][] shapes, double scale) {
        return java.util.Arrays.stream(shapes).map(s -> g.normal(scale, s)).toList();
    }

    private static List<Tensor> copies(List<Tensor> cpu) {
        return cpu.stream().map(GpuCheck::onGpu).toList();
    }

    /** Fails unless the two float32 tensors hold the same bits, printing the first differences. */
    private static void assertSameBits(String what, Tensor expected, Tensor actual) {
        float[] e = expected.toFloatArray();
        float[] a = actual.toFloatArray();
        if (e.length != a.length) {
            fail(what + ": " + a.length + " elements, expected " + e.length);
        }
        List<String> bad = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < e.length; i++) {
            if (Float.floatToRawIntBits(e[i]) != Float.floatToRawIntBits(a[i])) {
                count++;
                if (bad.size() < 5) {
                    bad.add(String.format("[%d] %.9g vs %.9g", i, e[i], a[i]));
                }
            }
        }
        if (count > 0) {
            String message = what + ": " + count + " of " + e.length + " elements differ in their bits; first: "
                    + String.join(", ", bad);
            System.out.println(message);
            fail(message);
        }
    }

    /** Prints a 64-bit FNV-1a hash of the float bits of the tensors, in order. */
    private static void printChecksum(String what, List<Tensor> tensors) {
        long hash = 0xcbf29ce484222325L;
        for (Tensor t : tensors) {
            for (float f : t.toFloatArray()) {
                hash = (hash ^ Float.floatToRawIntBits(f)) * 0x100000001b3L;
            }
        }
        System.out.println("determinism checksum " + what + ": " + Long.toHexString(hash));
    }
}
