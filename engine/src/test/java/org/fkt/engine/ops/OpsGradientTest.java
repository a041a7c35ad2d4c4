package org.fkt.engine.ops;

import static org.fkt.engine.tensor.DType.FLOAT64;

import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every op's backward against float64 central finite differences, on random inputs with awkward
 * shapes: batch 1, channel counts that are not multiples of 8, H != W.
 */
class OpsGradientTest {
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

    @ParameterizedTest(name = "conv2d k{0} s{1} p{2} n{3} c{4}->{5} {6}x{7}")
    @CsvSource({
        "1, 1, 0, 2, 5, 3, 6, 4",
        "1, 2, 0, 1, 3, 7, 7, 5",
        "3, 1, 1, 2, 3, 5, 6, 5",
        "3, 2, 1, 1, 6, 4, 7, 6",
        "3, 1, 0, 3, 2, 3, 5, 7",
        "7, 2, 3, 1, 3, 4, 11, 9",
    })
    void conv2d(int k, int stride, int pad, int n, int c, int out, int h, int w) {
        Tensor x = data.normal(FLOAT64, 1, n, c, h, w);
        Tensor wt = data.normal(FLOAT64, 0.5, out, c, k, k);
        GradCheck.check("conv2d", data.random, in -> Ops.conv2d(in[0], in[1], stride, pad), x, wt);
    }

    @ParameterizedTest(name = "conv2d batched chunks n{0}")
    @ValueSource(ints = {5})
    void conv2dSmallMapsBatchedIntoOneGemm(int n) {
        // 2x3 maps make the CPU path group several images per GEMM; the gradient must not notice
        Tensor x = data.normal(FLOAT64, 1, n, 3, 2, 3);
        Tensor wt = data.normal(FLOAT64, 0.5, 4, 3, 3, 3);
        GradCheck.check("conv2d", data.random, in -> Ops.conv2d(in[0], in[1], 1, 1), x, wt);
    }

    @ParameterizedTest(name = "batch_norm2d training={0}")
    @ValueSource(booleans = {true, false})
    void batchNorm(boolean training) {
        Tensor x = data.normal(FLOAT64, 2, 3, 5, 4, 3).requiresGrad(true);
        Tensor gamma = data.uniform(FLOAT64, 0.5, 1.5, 5);
        Tensor beta = data.normal(FLOAT64, 1, 5);
        Tensor runningMean = data.normal(FLOAT64, 0.1, 5);
        Tensor runningVar = data.uniform(FLOAT64, 0.5, 2, 5);
        GradCheck.check("batch_norm2d", data.random,
                in -> Ops.batchNorm2d(in[0], in[1], in[2], runningMean, runningVar, training, 0.1, 1e-5),
                x, gamma, beta);
    }

    @Test
    void batchNormBatchOfOne() {
        Tensor x = data.normal(FLOAT64, 1, 1, 3, 3, 2);
        Tensor gamma = data.uniform(FLOAT64, 0.5, 1.5, 3);
        Tensor beta = data.normal(FLOAT64, 1, 3);
        Tensor rm = Tensor.zeros(FLOAT64, x.device(), 3);
        Tensor rv = Tensor.full(1, FLOAT64, x.device(), 3);
        GradCheck.check("batch_norm2d", data.random,
                in -> Ops.batchNorm2d(in[0], in[1], in[2], rm, rv, true, 0.1, 1e-5), x, gamma, beta);
    }

    @Test
    void relu() {
        Tensor x = data.normal(FLOAT64, 1, 2, 3, 5, 4);
        GradCheck.check("relu", data.random, in -> Ops.relu(in[0]), x);
    }

    @ParameterizedTest(name = "max_pool2d {0}x{1}")
    @CsvSource({"7, 5", "8, 8", "3, 6"})
    void maxPool(int h, int w) {
        Tensor x = data.normal(FLOAT64, 1, 2, 3, h, w);
        GradCheck.check("max_pool2d", data.random, in -> Ops.maxPool2d(in[0], 3, 2, 1), x);
    }

    @Test
    void globalAvgPool() {
        Tensor x = data.normal(FLOAT64, 1, 1, 5, 3, 4);
        GradCheck.check("global_avg_pool", data.random, in -> Ops.globalAvgPool(in[0]), x);
    }

    @Test
    void linearWithBias() {
        Tensor x = data.normal(FLOAT64, 1, 3, 7);
        Tensor w = data.normal(FLOAT64, 0.5, 5, 7);
        Tensor b = data.normal(FLOAT64, 1, 5);
        GradCheck.check("linear", data.random, in -> Ops.linear(in[0], in[1], in[2]), x, w, b);
    }

    @Test
    void linearBatchOfOne() {
        Tensor x = data.normal(FLOAT64, 1, 1, 9);
        Tensor w = data.normal(FLOAT64, 0.5, 3, 9);
        Tensor b = data.normal(FLOAT64, 1, 3);
        GradCheck.check("linear", data.random, in -> Ops.linear(in[0], in[1], in[2]), x, w, b);
    }

    @ParameterizedTest(name = "matmul transA={0} transB={1}")
    @CsvSource({"false, false", "true, false", "false, true", "true, true"})
    void matmul(boolean transA, boolean transB) {
        Tensor a = transA ? data.normal(FLOAT64, 1, 5, 3) : data.normal(FLOAT64, 1, 3, 5);
        Tensor b = transB ? data.normal(FLOAT64, 1, 4, 5) : data.normal(FLOAT64, 1, 5, 4);
        GradCheck.check("matmul", data.random, in -> Ops.matmul(in[0], transA, in[1], transB), a, b);
    }

    @Test
    void addScaledAndScale() {
        Tensor a = data.normal(FLOAT64, 1, 2, 3, 5);
        Tensor b = data.normal(FLOAT64, 1, 2, 3, 5);
        GradCheck.check("add", data.random, in -> Ops.add(in[0], 0.7, in[1], -1.3), a, b);
        GradCheck.check("scale", data.random, in -> Ops.scale(in[0], 2.5), a);
    }

    @Test
    void residualAddOfSharedInput() {
        Tensor x = data.normal(FLOAT64, 1, 1, 3, 4, 5);
        GradCheck.check("add", data.random, in -> Ops.add(Ops.relu(in[0]), in[0]), x);
    }

    @Test
    void flatten() {
        Tensor x = data.normal(FLOAT64, 1, 2, 3, 4, 5);
        Tensor w = data.normal(FLOAT64, 1, 4, 60);
        GradCheck.check("flatten", data.random, in -> Ops.linear(Ops.flatten(in[0]), in[1], null), x, w);
    }

    @Test
    void sumAndMean() {
        Tensor x = data.normal(FLOAT64, 1, 3, 7);
        GradCheck.check("sum", data.random, in -> Ops.sum(in[0]), x);
        GradCheck.check("mean", data.random, in -> Ops.mean(in[0]), x);
    }

    @ParameterizedTest(name = "l2_normalize d={0}")
    @ValueSource(ints = {1, 7, 16})
    void l2Normalize(int d) {
        Tensor x = data.normal(FLOAT64, 1, 5, d);
        GradCheck.check("l2_normalize", data.random, in -> Ops.l2Normalize(in[0], 1e-12), x);
    }

    @Test
    void l2NormalizeZeroRowHasFiniteGradient() {
        Tensor x = Tensor.of(new double[] {0, 0, 0, 1, 2, 3}, 2, 3).requiresGrad(true);
        Tensor y = Ops.l2Normalize(x, 1e-6);
        Ops.sum(y).backward();
        for (double g : x.grad().toDoubleArray()) {
            org.junit.jupiter.api.Assertions.assertTrue(Double.isFinite(g), "gradient " + g);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {0, 0, 0},
                java.util.Arrays.copyOf(y.toDoubleArray(), 3));
    }

    @Test
    void logSoftmax() {
        Tensor x = data.normal(FLOAT64, 3, 4, 6);
        GradCheck.check("log_softmax", data.random, in -> Ops.logSoftmax(in[0]), x);
    }

    @ParameterizedTest(name = "cross_entropy n={0} k={1}")
    @CsvSource({"1, 2", "5, 10", "7, 3"})
    void crossEntropy(int n, int k) {
        Tensor logits = data.normal(FLOAT64, 3, n, k);
        Tensor labels = data.labels(n, k);
        GradCheck.check("cross_entropy", data.random, in -> Ops.crossEntropy(in[0], labels), logits);
    }

    @Test
    void smallConvNetEndToEnd() {
        // conv -> bn -> relu -> maxpool -> conv(stride 2) -> bn -> relu -> gap -> linear -> CE
        Tensor x = data.normal(FLOAT64, 1, 2, 3, 9, 7);
        Tensor w1 = data.normal(FLOAT64, 0.4, 5, 3, 3, 3);
        Tensor g1 = data.uniform(FLOAT64, 0.5, 1.5, 5);
        Tensor b1 = data.normal(FLOAT64, 0.1, 5);
        Tensor w2 = data.normal(FLOAT64, 0.4, 6, 5, 3, 3);
        Tensor g2 = data.uniform(FLOAT64, 0.5, 1.5, 6);
        Tensor b2 = data.normal(FLOAT64, 0.1, 6);
        Tensor fw = data.normal(FLOAT64, 0.5, 4, 6);
        Tensor fb = data.normal(FLOAT64, 0.1, 4);
        Tensor labels = data.labels(2, 4);
        Tensor rm1 = Tensor.zeros(FLOAT64, x.device(), 5);
        Tensor rv1 = Tensor.full(1, FLOAT64, x.device(), 5);
        Tensor rm2 = Tensor.zeros(FLOAT64, x.device(), 6);
        Tensor rv2 = Tensor.full(1, FLOAT64, x.device(), 6);
        GradCheck.check("convnet", data.random, in -> {
            Tensor h = Ops.relu(Ops.batchNorm2d(Ops.conv2d(in[0], in[1], 1, 1), in[2], in[3], rm1, rv1, true, 0.1, 1e-5));
            h = Ops.maxPool2d(h, 3, 2, 1);
            h = Ops.relu(Ops.batchNorm2d(Ops.conv2d(h, in[4], 2, 1), in[5], in[6], rm2, rv2, true, 0.1, 1e-5));
            return Ops.crossEntropy(Ops.linear(Ops.globalAvgPool(h), in[7], in[8]), labels);
        }, x, w1, g1, b1, w2, g2, b2, fw, fb);
    }
}
