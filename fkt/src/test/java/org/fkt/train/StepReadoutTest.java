package org.fkt.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.ops.Ops;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.objective.StepResult;
import org.junit.jupiter.api.Test;

/** The step's single read gives exactly what separate reads of the loss terms and the arg-max give. */
class StepReadoutTest {
    @Test
    void jointValuesEqualSeparateReads() {
        try (var scope = MemoryScope.open()) {
            Tensor logits = Tensor.of(new float[] {0.1f, 2.5f, -1f, 3f, 0f, 1f, -2f, -1f, -0.5f}, 3, 3).requiresGrad(true);
            Tensor supervised = Ops.crossEntropy(logits, Tensor.of(new int[] {1, 0, 2}, 3));
            Tensor contrastive = Ops.mean(Ops.relu(logits));
            Tensor loss = Ops.add(contrastive, 1, supervised, 0.7);
            var v = StepReadout.read(new StepResult(loss, contrastive, supervised, logits, null));
            assertEquals(loss.item(), v.loss());
            assertEquals(contrastive.item(), v.contrastive());
            assertEquals(supervised.item(), v.supervised());
            assertArrayEquals(Ops.argmax(logits).toIntArray(), v.predicted());
            assertArrayEquals(new int[] {1, 0, 2}, v.predicted());
            loss.backward();
            assertTrue(logits.grad() != null, "the readout leaves the graph usable for backward");
        }
    }

    @Test
    void contrastiveOnlyHasNoPredictions() {
        try (var scope = MemoryScope.open()) {
            Tensor loss = Ops.mean(Tensor.of(new float[] {1.5f, 2.5f}, 2));
            var v = StepReadout.read(new StepResult(loss, loss, null, null, null));
            assertEquals(2.0, v.loss());
            assertEquals(2.0, v.contrastive());
            assertTrue(Double.isNaN(v.supervised()));
            assertNull(v.predicted());
        }
    }
}
