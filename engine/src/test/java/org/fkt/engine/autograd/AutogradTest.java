package org.fkt.engine.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Semantics of the graph: accumulation, zeroing, no-grad regions, detach, shared subgraphs. */
class AutogradTest {
    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open();
    }

    @AfterEach
    void close() {
        scope.close();
    }

    @Test
    void gradientsAccumulateUntilZeroed() {
        Tensor x = Tensor.of(new float[] {1, -2, 3}, 3).requiresGrad(true);
        Ops.sum(Ops.scale(x, 2)).backward();
        Ops.sum(Ops.scale(x, 2)).backward();
        assertArrayEquals(new float[] {4, 4, 4}, x.grad().toFloatArray());
        x.zeroGrad();
        assertArrayEquals(new float[] {0, 0, 0}, x.grad().toFloatArray());
        Ops.sum(Ops.relu(x)).backward();
        assertArrayEquals(new float[] {1, 0, 1}, x.grad().toFloatArray());
    }

    @Test
    void leafGradientOutlivesTheStepScope() {
        Tensor w = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        try (var step = MemoryScope.open()) {
            Ops.sum(Ops.scale(w, 3)).backward();
        }
        assertArrayEquals(new float[] {3, 3}, w.grad().toFloatArray());
    }

    @Test
    void sharedSubexpressionSumsBothPaths() {
        Tensor x = Tensor.of(new float[] {2, -1}, 1, 2).requiresGrad(true);
        Tensor h = Ops.scale(x, 3);
        Ops.sum(Ops.add(h, Ops.relu(h))).backward();
        // d/dx [3x + relu(3x)] = 3 + 3 * [x > 0]
        assertArrayEquals(new float[] {6, 3}, x.grad().toFloatArray());
    }

    @Test
    void noGradRecordsNothing() {
        Tensor x = Tensor.ones(2).requiresGrad(true);
        Tensor y;
        try (var off = Autograd.noGrad()) {
            assertTrue(!Autograd.isGradEnabled());
            y = Ops.scale(x, 2);
        }
        assertTrue(Autograd.isGradEnabled());
        assertNull(y.gradFn());
        assertTrue(!y.requiresGrad());
    }

    @Test
    void detachCutsTheGraph() {
        Tensor x = Tensor.of(new float[] {1, 2}, 2).requiresGrad(true);
        Tensor h = Ops.scale(x, 2);
        Tensor d = h.detach();
        assertNull(d.gradFn());
        Tensor loss = Ops.sum(Ops.add(h, d));
        loss.backward();
        assertArrayEquals(new float[] {2, 2}, x.grad().toFloatArray());
        assertArrayEquals(h.toFloatArray(), d.toFloatArray());
    }

    @Test
    void onlyLeavesCanBeMarked() {
        Tensor h = Ops.scale(Tensor.ones(2).requiresGrad(true), 2);
        var e = assertThrows(IllegalStateException.class, () -> h.requiresGrad(true));
        assertTrue(e.getMessage().contains("scale"), e.getMessage());
    }

    @Test
    void explicitSeedScalesGradients() {
        Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).requiresGrad(true);
        Tensor y = Ops.scale(x, 5);
        y.backward(Tensor.of(new float[] {1, 0, -1, 2}, 2, 2));
        assertArrayEquals(new float[] {5, 0, -5, 10}, x.grad().toFloatArray());
    }

    @Test
    void reshapeGradientHasInputShape() {
        Tensor x = Tensor.ones(2, 3, 2, 2).requiresGrad(true);
        Ops.sum(Ops.flatten(x)).backward();
        assertArrayEquals(new int[] {2, 3, 2, 2}, x.grad().shape());
        assertEquals(24, x.grad().numel());
    }
}
