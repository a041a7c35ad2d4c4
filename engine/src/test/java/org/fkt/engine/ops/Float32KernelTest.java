package org.fkt.engine.ops;

import static org.fkt.engine.tensor.DType.FLOAT32;
import static org.fkt.engine.tensor.DType.FLOAT64;

import java.util.function.Function;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The float32 kernels (the training path: SGEMM, float storage) against the float64 path from the
 * same inputs, forward and every input gradient. Gradients are poisoned before the run (NaN) so
 * an unwritten element cannot pass.
 */
class Float32KernelTest {
    private static final double ATOL = 1e-5;
    private static final double RTOL = 1e-4;
    private TestData data;
    private MemoryScope scope;

    @BeforeEach
    void setUp(TestInfo info) {
        data = new TestData(info.getDisplayName());
        scope = MemoryScope.open();
    }

    @AfterEach
    void tearDown() {
        scope.close();
    }

    /** Runs f on float32 and float64 copies of the inputs and compares outputs and gradients. */
    private void compare(String op, Function<Tensor[], Tensor> f, Tensor... inputs64) {
        Tensor[] inputs32 = new Tensor[inputs64.length];
        for (int i = 0; i < inputs64.length; i++) {
            inputs32[i] = inputs64[i].to(FLOAT32).requiresGrad(true);
            inputs64[i].requiresGrad(true);
            inputs32[i].grad(Tensor.full(Double.NaN, FLOAT32, inputs32[i].device(), inputs32[i].shape()));
            inputs32[i].zeroGrad();
        }
        Tensor y64 = f.apply(inputs64);
        Tensor y32 = f.apply(inputs32);
        Close.assertClose(op + " forward", y64.toDoubleArray(), y32.toDoubleArray(), ATOL, RTOL);
        Tensor seed64 = data.normal(FLOAT64, 1, y64.shape());
        y64.backward(seed64);
        y32.backward(seed64.to(FLOAT32));
        for (int i = 0; i < inputs64.length; i++) {
            Close.assertClose(op + " gradient of input " + i, inputs64[i].grad().toDoubleArray(),
                    inputs32[i].grad().toDoubleArray(), ATOL * 10, RTOL * 10);
        }
    }

    @ParameterizedTest(name = "conv2d k{0} s{1} p{2} n{3} c{4}->{5} {6}x{7}")
    @CsvSource({
        "1, 1, 0, 3, 17, 33, 9, 7",
        "3, 1, 1, 2, 13, 24, 12, 10",
        "3, 2, 1, 1, 21, 19, 15, 13",
        "7, 2, 3, 2, 3, 16, 23, 19",
        "3, 1, 1, 9, 12, 10, 3, 2",
    })
    void conv2d(int k, int stride, int pad, int n, int c, int out, int h, int w) {
        compare("conv2d", in -> Ops.conv2d(in[0], in[1], stride, pad),
                data.normal(FLOAT64, 1, n, c, h, w), data.normal(FLOAT64, 0.3, out, c, k, k));
    }

    @Test
    void batchNormTrainingAndRunningStatistics() {
        Tensor x = data.normal(FLOAT64, 3, 4, 11, 5, 6);
        Tensor rm64 = Tensor.zeros(FLOAT64, x.device(), 11);
        Tensor rv64 = Tensor.full(1, FLOAT64, x.device(), 11);
        Tensor rm32 = rm64.to(FLOAT32);
        Tensor rv32 = rv64.to(FLOAT32);
        compare("batch_norm2d", in -> in[0].dtype() == FLOAT64
                        ? Ops.batchNorm2d(in[0], in[1], in[2], rm64, rv64, true, 0.1, 1e-5)
                        : Ops.batchNorm2d(in[0], in[1], in[2], rm32, rv32, true, 0.1, 1e-5),
                x, data.uniform(FLOAT64, 0.5, 1.5, 11), data.normal(FLOAT64, 1, 11));
        Close.assertClose("running_mean", rm64.toDoubleArray(), rm32.toDoubleArray(), ATOL, RTOL);
        Close.assertClose("running_var", rv64.toDoubleArray(), rv32.toDoubleArray(), ATOL, RTOL);
    }

    @Test
    void poolsAndActivations() {
        compare("relu", in -> Ops.relu(in[0]), data.normal(FLOAT64, 1, 2, 5, 7, 6));
        compare("max_pool2d", in -> Ops.maxPool2d(in[0], 3, 2, 1), data.normal(FLOAT64, 1, 2, 5, 9, 8));
        compare("global_avg_pool", in -> Ops.globalAvgPool(in[0]), data.normal(FLOAT64, 1, 3, 9, 7, 5));
    }

    @ParameterizedTest(name = "linear {0}x{1} -> {2}")
    @CsvSource({"1, 1, 1", "7, 33, 5", "64, 130, 67"})
    void linear(int n, int in, int out) {
        compare("linear", t -> Ops.linear(t[0], t[1], t[2]),
                data.normal(FLOAT64, 1, n, in), data.normal(FLOAT64, 0.2, out, in), data.normal(FLOAT64, 1, out));
    }

    @ParameterizedTest(name = "matmul transA={0} transB={1}")
    @CsvSource({"false, false", "true, false", "false, true", "true, true"})
    void matmul(boolean transA, boolean transB) {
        Tensor a = transA ? data.normal(FLOAT64, 1, 37, 19) : data.normal(FLOAT64, 1, 19, 37);
        Tensor b = transB ? data.normal(FLOAT64, 1, 23, 37) : data.normal(FLOAT64, 1, 37, 23);
        compare("matmul", in -> Ops.matmul(in[0], transA, in[1], transB), a, b);
    }

    @Test
    void rowOps() {
        compare("l2_normalize", in -> Ops.l2Normalize(in[0], 1e-12), data.normal(FLOAT64, 1, 9, 13));
        compare("log_softmax", in -> Ops.logSoftmax(in[0]), data.normal(FLOAT64, 4, 9, 13));
        Tensor labels = data.labels(9, 13);
        compare("cross_entropy", in -> Ops.crossEntropy(in[0], labels), data.normal(FLOAT64, 4, 9, 13));
    }

    @Test
    void crossEntropyWithHugeLogitsStaysFinite() {
        Tensor logits = Tensor.of(new float[] {1e4f, -1e4f, 3e4f, 0}, 2, 2).requiresGrad(true);
        Tensor loss = Ops.crossEntropy(logits, Tensor.of(new int[] {1, 0}, 2));
        loss.backward();
        // row 0 puts all mass on the wrong class (loss 2e4), row 1 on the right one (loss 0)
        org.junit.jupiter.api.Assertions.assertEquals(1e4, loss.item(), 1e-3);
        Close.assertClose("dlogits", new double[] {0.5, -0.5, 0, 0}, logits.grad().toDoubleArray(), 1e-6, 0);
    }

    @Test
    void argmaxPicksFirstMaximum() {
        Tensor x = Tensor.of(new float[] {1, 3, 3, 0, -1, -2, -1, -5}, 2, 4);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {1, 0}, Ops.argmax(x).toIntArray());
    }
}
