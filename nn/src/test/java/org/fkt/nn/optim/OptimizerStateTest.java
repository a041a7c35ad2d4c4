package org.fkt.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.fkt.engine.memory.MemoryScope;
import org.fkt.engine.memory.NativeMemory;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Checkpoint state: buffers out and back in give bitwise-identical later steps (SGD, LARS, groups),
 * including a parameter with no state yet; bad states are named; state outlives step scopes.
 */
class OptimizerStateTest {
    @Test
    void sgdRoundTrip() {
        roundTrip("sgd", p -> Sgd.builder(p).lr(0.1).momentum(0.9).dampening(0.2).weightDecay(5e-4).build());
    }

    @Test
    void larsRoundTrip() {
        roundTrip("lars", p -> Lars.builder(p).schedule(Schedule.warmupCosine(1, 2, 10)).weightDecay(1e-4).build());
    }

    @Test
    void groupsRoundTrip() {
        roundTrip("groups", p -> OptimizerGroupsTest.joint(p, Schedule.warmupCosine(1, 2, 10), 0.05));
    }

    /**
     * Three steps on A ("fc.bias" never has a gradient), state out, B over copies of A's parameters
     * loads it, then A and B take the same three steps (fc.bias now included) and must agree exactly.
     */
    private static void roundTrip(String what, Function<Map<String, Tensor>, Optimizer> factory) {
        var data = new OptimTestData("OptimizerStateTest." + what);
        Map<String, Tensor> a = data.model();
        Map<String, Tensor> b = null;
        try (Optimizer optA = factory.apply(a)) {
            for (int s = 0; s < 3; s++) {
                data.grads(a, 0.2);
                a.get("fc.bias").grad(null);
                optA.step();
            }
            b = OptimTestData.copy(a);
            try (Optimizer optB = factory.apply(b); OptimizerState state = optA.state()) {
                assertEquals(3, state.step());
                assertEquals(false, state.buffers().containsKey("fc.bias"));
                assertEquals(a.size() - 1, state.buffers().size());
                optB.loadState(state);
                assertEquals(3, optB.stepCount());
                assertEquals(rates(optA), rates(optB));
                for (int s = 0; s < 3; s++) {
                    data.grads(a, 0.2);
                    OptimTestData.copyGrads(a, b);
                    optA.step();
                    optB.step();
                    for (String n : a.keySet()) {
                        assertArrayEquals(a.get(n).toFloatArray(), b.get(n).toFloatArray(), n + " after step " + (3 + s));
                    }
                }
                try (OptimizerState sa = optA.state(); OptimizerState sb = optB.state()) {
                    assertEquals(List.copyOf(sa.buffers().keySet()), List.copyOf(sb.buffers().keySet()));
                    sa.buffers().forEach((n, t) -> assertArrayEquals(t.toFloatArray(), sb.buffers().get(n).toFloatArray(), n));
                }
            }
        } finally {
            OptimTestData.close(a);
            if (b != null) {
                OptimTestData.close(b);
            }
        }
    }

    private static Object rates(Optimizer o) {
        return o instanceof OptimizerGroups g ? g.learningRates() : o.learningRate();
    }

    @Test
    void stateIsASnapshotSurvivesStepScopesAndIsFreed() {
        var data = new OptimTestData("OptimizerStateTest.snapshot");
        Map<String, Tensor> params = data.model();
        data.grads(params, 1);
        long live = NativeMemory.liveBytes();
        try {
            try (Sgd sgd = Sgd.builder(params).lr(0.1).momentum(0.9).build()) {
                try (var step = MemoryScope.open()) {
                    sgd.step();
                }
                try (OptimizerState before = sgd.state()) {
                    float[] saved = before.buffers().get("fc.weight").toFloatArray();
                    sgd.step();
                    assertArrayEquals(saved, before.buffers().get("fc.weight").toFloatArray());
                    try (OptimizerState after = sgd.state()) {
                        assertNotEquals(saved[0], after.buffers().get("fc.weight").toFloatArray()[0]);
                    }
                }
            }
            assertEquals(live, NativeMemory.liveBytes(), "optimizer buffers and state copies are freed");
        } finally {
            OptimTestData.close(params);
        }
    }

    @Test
    void badStatesAreNamed() {
        var data = new OptimTestData("OptimizerStateTest.errors");
        Map<String, Tensor> params = data.model();
        try (Sgd sgd = Sgd.builder(params).lr(0.1).momentum(0.9).build();
             Sgd plain = Sgd.builder(params).lr(0.1).build()) {
            var unknown = new LinkedHashMap<String, Tensor>();
            unknown.put("decoder.weight", Tensor.zeros(2, 2));
            unknown.put("fc.bias", Tensor.zeros(7));
            try (var state = new OptimizerState(4, unknown)) {
                SgdTest.assertMessage(() -> sgd.loadState(state), "'decoder.weight'", "'fc.bias'", "(7)");
            }
            try (var state = new OptimizerState(1, Map.of("fc.bias", Tensor.zeros(3)))) {
                SgdTest.assertMessage(() -> plain.loadState(state), "keeps no momentum buffers", "fc.bias");
            }
            SgdTest.assertMessage(() -> new OptimizerState(-1, Map.of()), "step count");
        } finally {
            OptimTestData.close(params);
        }
    }
}
