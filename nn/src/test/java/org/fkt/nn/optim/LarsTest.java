package org.fkt.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** LARS without the oracle: exclusion rules, one step against a double-precision reference, zero norms. */
class LarsTest {
    @Test
    void rankOneParametersAreExcludedByDefault() {
        var data = new OptimTestData("LarsTest.defaults");
        Map<String, Tensor> params = data.model();
        try (Lars lars = Lars.builder(params).lr(1).build()) {
            params.forEach((name, t) -> {
                assertEquals(t.rank() > 1, lars.decays(name), name + " decays");
                assertEquals(t.rank() > 1, lars.adapts(name), name + " adapts");
            });
            assertEquals(0.9, lars.momentum());
            assertEquals(0.001, lars.eta());
        }
        try (Lars lars = Lars.builder(params).lr(1).excludeFromWeightDecay(Lars.nameContains("bn", "bias"))
                .excludeFromAdaptation((n, t) -> n.startsWith("fc.")).build()) {
            assertFalse(lars.decays("bn1.weight"));
            assertTrue(lars.decays("fc.weight"));
            assertFalse(lars.adapts("fc.weight"));
            assertTrue(lars.adapts("bn1.weight"));
            SgdTest.assertMessage(() -> lars.decays("nope"), "nope");
        } finally {
            OptimTestData.close(params);
        }
    }

    @Test
    void stepMatchesDefinitionInDouble() {
        var data = new OptimTestData("LarsTest.definition");
        double lr = 2.0;
        double momentum = 0.9;
        double wd = 1e-3;
        double eta = 0.01;
        var params = new LinkedHashMap<String, Tensor>();
        params.put("layer.weight", data.param(6, 5));
        params.put("layer.bias", data.param(6));
        params.put("zero.weight", Tensor.zeros(4, 4).requiresGrad(true));
        try (Lars lars = Lars.builder(params).lr(lr).momentum(momentum).weightDecay(wd).eta(eta).build()) {
            Map<String, double[]> v = new LinkedHashMap<>();
            for (int s = 0; s < 3; s++) {
                Map<String, double[]> want = new LinkedHashMap<>();
                for (var e : params.entrySet()) {
                    Tensor p = e.getValue();
                    data.grad(p, 0.5);
                    double[] w = SgdTest.toDouble(p.toFloatArray());
                    double[] g = SgdTest.toDouble(p.grad().toFloatArray());
                    boolean matrix = p.rank() > 1;
                    double wn = 0;
                    double gn = 0;
                    for (int i = 0; i < w.length; i++) {
                        g[i] += matrix ? wd * w[i] : 0;
                        wn += w[i] * w[i];
                        gn += g[i] * g[i];
                    }
                    double ratio = matrix && wn > 0 && gn > 0 ? eta * Math.sqrt(wn) / Math.sqrt(gn) : 1;
                    double[] vel = v.computeIfAbsent(e.getKey(), k -> new double[w.length]);
                    for (int i = 0; i < w.length; i++) {
                        vel[i] = momentum * vel[i] + lr * ratio * g[i];
                        w[i] -= vel[i];
                    }
                    want.put(e.getKey(), w);
                }
                lars.step();
                for (var e : want.entrySet()) {
                    OptimParity.compare(e.getKey() + " after step " + s, params.get(e.getKey()).toFloatArray(),
                            SgdTest.toFloat(e.getValue()), 1e-6);
                    v.put(e.getKey(), SgdTest.toDouble(SgdTest.toFloat(v.get(e.getKey()))));
                }
            }
        } finally {
            OptimTestData.close(params);
        }
    }

    @Test
    void zeroGradientWithoutDecayLeavesWeightsUnchanged() {
        var data = new OptimTestData("LarsTest.zeroNorms");
        var params = new LinkedHashMap<String, Tensor>();
        params.put("still.weight", data.param(3, 4));
        params.put("zero.weight", Tensor.zeros(3, 4).requiresGrad(true));
        float[] still = params.get("still.weight").toFloatArray();
        try (Lars lars = Lars.builder(params).lr(1).weightDecay(1e-2)
                .excludeFromWeightDecay((n, t) -> n.startsWith("still")).build()) {
            params.get("still.weight").grad(Tensor.zeros(3, 4));
            params.get("zero.weight").grad(Tensor.zeros(3, 4));
            lars.step();
            assertArrayEquals(still, params.get("still.weight").toFloatArray());
            assertArrayEquals(new float[12], params.get("zero.weight").toFloatArray());
        } finally {
            OptimTestData.close(params);
        }
    }

    @Test
    void badOptionsAreReported() {
        var data = new OptimTestData("LarsTest.errors");
        Map<String, Tensor> params = data.model();
        try {
            SgdTest.assertMessage(() -> Lars.builder(params).lr(1).eta(0).build(), "eta");
            SgdTest.assertMessage(() -> Lars.builder(params).build(), "lr(");
            SgdTest.assertMessage(() -> Lars.builder(params).lr(1).exclude(null).build(), "exclusion rule");
        } finally {
            OptimTestData.close(params);
        }
    }
}
