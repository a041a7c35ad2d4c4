package org.fkt.engine.cpu;

import java.util.Random;
import org.fkt.engine.backend.Backend;
import org.fkt.engine.backend.Backends;
import org.fkt.engine.backend.Conv2dSpec;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.Device;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The float32 convolution (tiles, shifted-plane and stride-2 im2col, the transposed convolution
 * for backward data, pixel-major backward filter) against the float64 reference path, on the
 * geometries of ResNet and on odd ones: channels that are not multiples of 16, H != W, batch 1,
 * planes smaller and larger than a tile, strides 1 to 3, padding beyond the kernel.
 */
class CpuConvFastPathTest {
    private static final double ATOL = 1e-5;
    private static final double RTOL = 1e-4;
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

    @ParameterizedTest(name = "n{0} c{1}->k{2} {3}x{4} kernel {5}x{6} stride {7} pad {8}")
    @CsvSource({
        "2, 64, 64, 32, 32, 3, 3, 1, 1",
        "3, 32, 64, 16, 16, 3, 3, 2, 1",
        "4, 32, 48, 16, 16, 1, 1, 2, 0",
        "5, 16, 32, 4, 4, 3, 3, 1, 1",
        "3, 24, 40, 8, 8, 3, 3, 1, 1",
        "2, 3, 64, 32, 32, 3, 3, 1, 1",
        "3, 13, 19, 12, 10, 3, 3, 1, 1",
        "1, 21, 19, 15, 13, 3, 3, 2, 1",
        "2, 3, 16, 23, 19, 7, 7, 2, 3",
        "3, 17, 33, 9, 7, 1, 1, 1, 0",
        "2, 24, 40, 9, 11, 1, 1, 2, 0",
        "2, 8, 8, 40, 36, 3, 3, 1, 1",
        "1, 5, 7, 6, 5, 5, 5, 1, 2",
        "2, 6, 4, 7, 9, 3, 3, 1, 0",
        "2, 4, 6, 8, 8, 3, 1, 1, 1",
        "1, 3, 5, 10, 7, 3, 3, 3, 1",
        "2, 4, 4, 5, 5, 3, 3, 1, 3",
        "9, 12, 10, 3, 2, 3, 3, 1, 1",
        "1, 16, 16, 1, 1, 3, 3, 1, 1",
        "3, 8, 20, 33, 31, 3, 3, 2, 1",
        "2, 128, 36, 8, 8, 3, 3, 1, 1",
        "2, 130, 20, 6, 6, 3, 3, 2, 1",
    })
    void forwardAndBothGradients(int n, int c, int k, int h, int w, int r, int s, int stride, int pad) {
        Random random = Pair.random("conv2d n" + n + " c" + c + " k" + k + " " + h + "x" + w + " " + r + "x" + s
                + " s" + stride + " p" + pad);
        var spec = new Conv2dSpec(stride, pad);
        int p = spec.outputSize(h, r);
        int q = spec.outputSize(w, s);
        Pair x = Pair.normal(random, 1, n, c, h, w);
        Pair wt = Pair.normal(random, 0.3, k, c, r, s);
        Pair dy = Pair.normal(random, 1, n, k, p, q);

        Pair y = Pair.poisoned(n, k, p, q);
        cpu.conv2dForward(x.f32(), wt.f32(), y.f32(), spec);
        cpu.conv2dForward(x.f64(), wt.f64(), y.f64(), spec);
        y.assertClose("forward", ATOL, RTOL);

        Pair dx = Pair.poisoned(n, c, h, w);
        cpu.conv2dBackwardData(dy.f32(), wt.f32(), dx.f32(), spec);
        cpu.conv2dBackwardData(dy.f64(), wt.f64(), dx.f64(), spec);
        dx.assertClose("backward data", ATOL, RTOL);

        Pair dw = Pair.poisoned(k, c, r, s);
        cpu.conv2dBackwardFilter(x.f32(), dy.f32(), dw.f32(), spec);
        cpu.conv2dBackwardFilter(x.f64(), dy.f64(), dw.f64(), spec);
        dw.assertClose("backward filter", ATOL, RTOL);
    }

    @ParameterizedTest(name = "offset views n{0} c{1} {2}x{3}")
    @CsvSource({"3, 16, 8, 8", "2, 5, 7, 9"})
    void tensorsThatStartInsideTheirStorage(int n, int c, int h, int w) {
        Random random = Pair.random("conv2d views n" + n + " c" + c);
        var spec = new Conv2dSpec(1, 1);
        long size = (long) n * c * h * w;
        Pair big = Pair.normal(random, 1, (int) size + 7);
        Pair x = new Pair(big.f32().slice(7, n, c, h, w), big.f64().slice(7, n, c, h, w));
        Pair wt = Pair.normal(random, 0.3, c, c, 3, 3);
        Pair y = Pair.poisoned((int) size + 5);
        Pair yv = new Pair(y.f32().slice(5, n, c, h, w), y.f64().slice(5, n, c, h, w));
        cpu.conv2dForward(x.f32(), wt.f32(), yv.f32(), spec);
        cpu.conv2dForward(x.f64(), wt.f64(), yv.f64(), spec);
        yv.assertClose("forward on views", ATOL, RTOL);
        Pair dw = Pair.poisoned(c, c, 3, 3);
        cpu.conv2dBackwardFilter(x.f32(), yv.f32(), dw.f32(), spec);
        cpu.conv2dBackwardFilter(x.f64(), yv.f64(), dw.f64(), spec);
        dw.assertClose("backward filter on views", ATOL, RTOL);
        Pair dx = Pair.poisoned(n, c, h, w);
        cpu.conv2dBackwardData(yv.f32(), wt.f32(), dx.f32(), spec);
        cpu.conv2dBackwardData(yv.f64(), wt.f64(), dx.f64(), spec);
        dx.assertClose("backward data on views", ATOL, RTOL);
    }
}
