package org.fkt.engine.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.DType;
import org.fkt.engine.tensor.Device;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad input is a clear exception naming the op, the tensors and what was expected. */
class OpsErrorTest {
    private MemoryScope scope;

    @BeforeEach
    void open() {
        scope = MemoryScope.open();
    }

    @AfterEach
    void close() {
        scope.close();
    }

    private static void assertMessage(Class<? extends Throwable> type, Executable call, String... fragments) {
        Throwable e = assertThrows(type, call);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "message '" + e.getMessage() + "' lacks '" + f + "'");
        }
    }

    @Test
    void conv2dChannelMismatch() {
        Tensor x = Tensor.zeros(2, 3, 8, 8).name("images");
        Tensor w = Tensor.zeros(16, 4, 3, 3).name("conv1.weight");
        assertMessage(IllegalArgumentException.class, () -> Ops.conv2d(x, w, 1, 1),
                "conv2d", "conv1.weight (16, 4, 3, 3)", "images (2, 3, 8, 8)", "4 input channels", "has 3");
    }

    @Test
    void conv2dWrongRank() {
        assertMessage(IllegalArgumentException.class, () -> Ops.conv2d(Tensor.zeros(3, 8, 8), Tensor.zeros(4, 3, 3, 3), 1, 1),
                "conv2d", "input (3, 8, 8)", "rank 4", "(N, C, H, W)");
    }

    @Test
    void conv2dKernelLargerThanInput() {
        assertMessage(IllegalArgumentException.class, () -> Ops.conv2d(Tensor.zeros(1, 3, 2, 2), Tensor.zeros(4, 3, 7, 7), 1, 0),
                "conv2d", "does not fit", "(1, 3, 2, 2)");
    }

    @Test
    void linearFeatureMismatch() {
        assertMessage(IllegalArgumentException.class, () -> Ops.linear(Tensor.zeros(4, 10), Tensor.zeros(3, 12), null),
                "linear", "(3, 12)", "12 input features", "(4, 10)", "has 10");
    }

    @Test
    void matmulInnerDimensions() {
        assertMessage(IllegalArgumentException.class, () -> Ops.matmul(Tensor.zeros(4, 5), false, Tensor.zeros(4, 5), false),
                "matmul", "inner dimensions", "5 columns", "4 rows");
    }

    @Test
    void addShapeMismatch() {
        assertMessage(IllegalArgumentException.class, () -> Ops.add(Tensor.zeros(2, 3), Tensor.zeros(3, 2)),
                "add", "shape mismatch", "(2, 3)", "(3, 2)");
    }

    @Test
    void dtypeMismatch() {
        Tensor x = Tensor.zeros(DType.FLOAT64, Device.CPU, 2, 3);
        assertMessage(IllegalArgumentException.class, () -> Ops.add(x, Tensor.zeros(2, 3)),
                "add", "float32", "float64");
    }

    @Test
    void batchNormParameterShape() {
        Tensor x = Tensor.zeros(2, 4, 3, 3);
        assertMessage(IllegalArgumentException.class,
                () -> Ops.batchNorm2d(x, Tensor.ones(3), Tensor.zeros(4), Tensor.zeros(4), Tensor.ones(4), true, 0.1, 1e-5),
                "batch_norm2d", "weight (3)", "must have shape (4)");
    }

    @Test
    void labelsOutOfRange() {
        Tensor logits = Tensor.zeros(2, 3);
        assertMessage(IllegalArgumentException.class, () -> Ops.crossEntropy(logits, Tensor.of(new int[] {0, 3}, 2)),
                "cross_entropy", "label 3", "row 1", "[0, 3)");
    }

    @Test
    void labelsWrongLength() {
        assertMessage(IllegalArgumentException.class, () -> Ops.crossEntropy(Tensor.zeros(2, 3), Tensor.of(new int[] {0}, 1)),
                "cross_entropy", "labels (1) int32", "shape (2)");
    }

    @Test
    void backwardOnNonScalarNeedsSeed() {
        Tensor x = Tensor.ones(2, 3).requiresGrad(true);
        Tensor y = Ops.relu(x);
        assertMessage(IllegalArgumentException.class, y::backward, "backward", "(2, 3)", "not a scalar", "seed");
    }

    @Test
    void backwardSeedShapeMismatch() {
        Tensor y = Ops.relu(Tensor.ones(2, 3).requiresGrad(true));
        assertMessage(IllegalArgumentException.class, () -> y.backward(Tensor.ones(3, 2)), "backward", "seed", "(3, 2)", "(2, 3)");
    }

    @Test
    void backwardWithoutGrad() {
        Tensor y = Ops.sum(Tensor.ones(2, 3));
        assertMessage(IllegalStateException.class, y::backward, "backward", "does not require grad");
    }

    @Test
    void closedTensorUse() {
        Tensor x = Tensor.ones(2, 3).name("activations");
        x.close();
        assertMessage(IllegalStateException.class, () -> Ops.relu(x), "relu", "activations (2, 3)", "closed");
        assertMessage(IllegalStateException.class, x::toFloatArray, "closed");
    }

    @Test
    void closedSavedTensorInBackward() {
        Tensor w = Tensor.ones(3, 3).requiresGrad(true);
        Tensor h = Ops.relu(w);
        Tensor loss = Ops.sum(Ops.relu(h));
        h.close();
        assertMessage(IllegalStateException.class, loss::backward, "backward", "closed");
    }

    @Test
    void viewOfWrongSize() {
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).view(4, 2), "view", "(2, 3)", "(4, 2)");
    }

    @Test
    void dataOfWrongLength() {
        assertMessage(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3), "(2, 3)", "6 elements", "5");
    }
}
