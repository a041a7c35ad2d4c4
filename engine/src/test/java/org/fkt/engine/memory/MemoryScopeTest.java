package org.fkt.engine.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.fkt.engine.autograd.Autograd;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Native memory is released deterministically, and a training loop's footprint stays flat. */
class MemoryScopeTest {
    @Test
    void scopeClosesWhatItCreated() {
        long before = NativeMemory.liveBytes();
        Tensor kept;
        Tensor inner;
        try (var outer = MemoryScope.open()) {
            try (var scope = MemoryScope.open()) {
                inner = Tensor.zeros(128, 128);
                kept = scope.keep(Tensor.ones(64));
                assertTrue(NativeMemory.liveBytes() > before);
            }
            assertTrue(inner.isClosed());
            assertFalse(kept.isClosed());
        }
        assertTrue(kept.isClosed());
        assertEquals(before, NativeMemory.liveBytes());
    }

    @Test
    void releasedTensorBelongsToTheCaller() {
        long before = NativeMemory.liveBytes();
        Tensor t;
        try (var scope = MemoryScope.open()) {
            t = scope.release(Tensor.zeros(1000));
        }
        assertFalse(t.isClosed());
        t.close();
        assertEquals(before, NativeMemory.liveBytes());
    }

    @Test
    void viewKeepsStorageAliveAfterBaseCloses() {
        long before = NativeMemory.liveBytes();
        Tensor base = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor view = base.view(3, 2);
        base.close();
        assertEquals(6f, view.toFloatArray()[5]);
        view.close();
        assertEquals(before, NativeMemory.liveBytes());
    }

    @Test
    void trainingLoopKeepsNativeMemoryFlat() {
        var random = new Random(7);
        // parameters of a small conv net live outside the per-step scopes
        Tensor w1 = randn(random, 0.3, 8, 3, 3, 3).requiresGrad(true);
        Tensor g1 = Tensor.ones(8).requiresGrad(true);
        Tensor b1 = Tensor.zeros(8).requiresGrad(true);
        Tensor rm = Tensor.zeros(8);
        Tensor rv = Tensor.ones(8);
        Tensor fw = randn(random, 0.3, 4, 8).requiresGrad(true);
        Tensor fb = Tensor.zeros(4).requiresGrad(true);
        Tensor[] params = {w1, g1, b1, fw, fb};
        Tensor images = randn(random, 1, 6, 3, 10, 10);
        Tensor labels = Tensor.of(new int[] {0, 1, 2, 3, 0, 1}, 6);

        long[] liveAfter = new long[300];
        long[] blocksAfter = new long[300];
        double firstLoss = 0;
        double lastLoss = 0;
        for (int step = 0; step < 300; step++) {
            try (var scope = MemoryScope.open()) {
                Tensor h = Ops.relu(Ops.batchNorm2d(Ops.conv2d(images, w1, 1, 1), g1, b1, rm, rv, true, 0.1, 1e-5));
                h = Ops.globalAvgPool(Ops.maxPool2d(h, 3, 2, 1));
                Tensor loss = Ops.crossEntropy(Ops.linear(h, fw, fb), labels);
                for (Tensor p : params) {
                    p.zeroGrad();
                }
                loss.backward();
                try (var off = Autograd.noGrad()) {
                    for (Tensor p : params) {
                        p.backend().accumulate(p, p.grad(), -0.1);
                    }
                }
                lastLoss = loss.item();
                if (step == 0) {
                    firstLoss = lastLoss;
                }
            }
            liveAfter[step] = NativeMemory.liveBytes();
            blocksAfter[step] = NativeMemory.liveBlocks();
        }
        for (int step = 2; step < 300; step++) {
            assertEquals(liveAfter[1], liveAfter[step], "native bytes after step " + step + " vs step 1");
            assertEquals(blocksAfter[1], blocksAfter[step], "native blocks after step " + step + " vs step 1");
        }
        assertTrue(lastLoss < firstLoss * 0.5, "loss fell from " + firstLoss + " to " + lastLoss);
        for (Tensor t : new Tensor[] {w1, g1, b1, rm, rv, fw, fb, images, labels}) {
            t.close();
        }
    }

    private static Tensor randn(Random random, double scale, int... shape) {
        Tensor t = Tensor.empty(shape);
        float[] v = new float[(int) t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (random.nextGaussian() * scale);
        }
        t.copyFrom(v);
        return t;
    }
}
