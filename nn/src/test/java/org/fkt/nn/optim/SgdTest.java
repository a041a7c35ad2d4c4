package org.fkt.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** SGD without the oracle: skipped parameters, per-parameter first step, gradients, errors. */
class SgdTest {
    @Test
    void parametersWithoutGradientAreSkipped() {
        var data = new OptimTestData("SgdTest.skip");
        Map<String, Tensor> params = data.model();
        data.grad(params.get("conv1.weight"), 1);
        data.grad(params.get("fc.bias"), 1);
        Map<String, float[]> before = values(params);
        try (Sgd sgd = Sgd.builder(params).lr(0.1).momentum(0.9).weightDecay(1e-2).build()) {
            sgd.step();
            assertEquals(1, sgd.stepCount());
            for (String name : params.keySet()) {
                boolean stepped = name.equals("conv1.weight") || name.equals("fc.bias");
                assertEquals(stepped, !java.util.Arrays.equals(before.get(name), params.get(name).toFloatArray()),
                        name + " changed");
            }
            try (OptimizerState state = sgd.state()) {
                assertEquals(List.of("conv1.weight", "fc.bias"), List.copyOf(state.buffers().keySet()));
            }
        } finally {
            OptimTestData.close(params);
        }
    }

    @Test
    void firstStepIsTrackedPerParameter() {
        var data = new OptimTestData("SgdTest.firstStep");
        double lr = 0.05;
        double momentum = 0.9;
        double dampening = 0.4;
        double wd = 1e-2;
        var params = new LinkedHashMap<String, Tensor>();
        params.put("a", data.param(5, 3));
        params.put("b", data.param(7));
        double[][] w = {toDouble(params.get("a").toFloatArray()), toDouble(params.get("b").toFloatArray())};
        double[][] buf = new double[2][];
        boolean[][] gradAt = {{true, true, true, true}, {false, true, false, true}};
        try (Sgd sgd = Sgd.builder(params).lr(lr).momentum(momentum).dampening(dampening).weightDecay(wd).build()) {
            for (int s = 0; s < 4; s++) {
                int k = 0;
                for (Tensor p : params.values()) {
                    if (gradAt[k][s]) {
                        data.grad(p, 1);
                        double[] g = toDouble(p.grad().toFloatArray());
                        boolean first = buf[k] == null;
                        buf[k] = first ? new double[g.length] : buf[k];
                        for (int i = 0; i < g.length; i++) {
                            double d = g[i] + wd * w[k][i];
                            buf[k][i] = first ? d : momentum * buf[k][i] + (1 - dampening) * d;
                            w[k][i] -= lr * buf[k][i];
                        }
                    } else {
                        p.grad(null);
                    }
                    k++;
                }
                sgd.step();
                k = 0;
                for (var e : params.entrySet()) {
                    OptimParity.compare(e.getKey() + " after step " + s, e.getValue().toFloatArray(), toFloat(w[k++]), 1e-6);
                }
            }
        } finally {
            OptimTestData.close(params);
        }
    }

    @Test
    void zeroGradKeepsSteppingClearGradsSkips() {
        var data = new OptimTestData("SgdTest.zeroAndClear");
        Map<String, Tensor> params = data.model();
        data.grads(params, 1);
        try (Sgd sgd = Sgd.builder(params).lr(0.1).weightDecay(0.1).build()) {
            sgd.zeroGrad();
            Map<String, float[]> before = values(params);
            sgd.step();
            params.forEach((n, p) -> assertFalse(java.util.Arrays.equals(before.get(n), p.toFloatArray()),
                    n + ": weight decay acts on a zeroed gradient"));
            sgd.clearGrads();
            params.values().forEach(p -> assertEquals(null, p.grad()));
            Map<String, float[]> after = values(params);
            sgd.step();
            params.forEach((n, p) -> assertArrayEquals(after.get(n), p.toFloatArray(), n + " unchanged without gradient"));
        } finally {
            OptimTestData.close(params);
        }
    }

    @Test
    void learningRateFollowsScheduleOrFixedRate() {
        var data = new OptimTestData("SgdTest.learningRate");
        Map<String, Tensor> params = data.model();
        try (Sgd sgd = Sgd.builder(params).schedule(Schedule.stepDecay(1.0, 0.5, 2)).build()) {
            double[] seen = new double[5];
            for (int s = 0; s < 5; s++) {
                seen[s] = sgd.learningRate();
                sgd.step();
            }
            assertArrayEquals(new double[] {1, 1, 0.5, 0.5, 0.25}, seen);
            sgd.learningRate(0.3);
            sgd.step();
            assertEquals(0.3, sgd.learningRate());
            assertThrows(IllegalArgumentException.class, () -> sgd.learningRate(-1));
        } finally {
            OptimTestData.close(params);
        }
    }

    @Test
    void badParametersAndGradientsAreNamed() {
        var data = new OptimTestData("SgdTest.errors");
        Map<String, Tensor> params = data.model();
        try {
            var frozen = new LinkedHashMap<>(params);
            frozen.put("head.weight", Tensor.zeros(2, 2));
            assertMessage(() -> Sgd.builder(frozen).lr(0.1).build(), "head.weight", "does not require grad");
            var twice = new LinkedHashMap<>(params);
            twice.put("alias.weight", params.get("fc.weight"));
            assertMessage(() -> Sgd.builder(twice).lr(0.1).build(), "fc.weight", "alias.weight");
            assertMessage(() -> Sgd.builder(params).momentum(0.9).build(), "lr(");
            assertMessage(() -> Sgd.builder(params).lr(0.1).nesterov(true).build(), "nesterov");
            assertMessage(() -> Sgd.builder(Map.of()).lr(0.1).build(), "no parameters");
            try (Sgd sgd = Sgd.builder(params).lr(0.1).build()) {
                params.get("bn1.bias").grad(Tensor.zeros(5));
                var e = assertThrows(IllegalStateException.class, sgd::step);
                assertTrue(e.getMessage().contains("bn1.bias"), e.getMessage());
                sgd.close();
                assertMessage(sgd::step, "closed");
            }
        } finally {
            OptimTestData.close(params);
        }
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable call, String... parts) {
        var e = assertThrows(RuntimeException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message lacks '" + part + "': " + e.getMessage());
        }
        System.out.println("expected error: " + e.getMessage());
    }

    static Map<String, float[]> values(Map<String, Tensor> params) {
        var m = new LinkedHashMap<String, float[]>();
        params.forEach((n, p) -> m.put(n, p.toFloatArray()));
        return m;
    }

    static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
