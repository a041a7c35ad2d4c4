package org.fkt.nn.optim;

import org.junit.jupiter.api.Test;

/**
 * Five LARS steps against the LARS of python/optim_reference.py, written there in torch from SimCLR's
 * definition: rank-1 parameters excluded by default, a zero-initialised weight (||w|| = 0) and a
 * zero gradient (||g|| = 0 when it takes no decay), a parameter that starts late and one skipped.
 */
class LarsParityTest {
    private static final double TOLERANCE = 1e-6;
    /**
     * LARS buffers hold lr * trust ratio * g summed over steps with different rates; the reference's
     * float32 norms put ~2e-7 relative error in each ratio, and the sum partly cancels, so its buffers
     * are up to ~8e-7 of their max away from exact (measured over 200 cases in float64).
     */
    private static final double BUFFER_TOLERANCE = 3e-6;

    @Test
    void defaultExclusionMatchesReference() {
        var data = new OptimTestData("LarsParityTest.defaultExclusion");
        new OptimParity(data, 0.5, 1.0, 2.0, 1.5, 0.3).standardParams().check("lars",
                "{\"momentum\": 0.9, \"weight_decay\": 1e-4, \"eta\": 0.001, \"nesterov\": false}",
                "{\"rule\": \"rank1\"}", "{\"rule\": \"rank1\"}", true,
                params -> Lars.builder(params).lr(1).weightDecay(1e-4).build(),
                TOLERANCE, BUFFER_TOLERANCE);
    }

    @Test
    void separateExclusionsAndNesterovMatchReference() {
        var data = new OptimTestData("LarsParityTest.separateExclusions");
        new OptimParity(data, 4.8, 3.0, 1.0, 0.5, 2.0).standardParams().check("lars",
                "{\"momentum\": 0.8, \"weight_decay\": 1e-3, \"eta\": 0.02, \"nesterov\": true}",
                "{\"rule\": \"contains\", \"parts\": [\"bn\", \"frozen\"]}",
                "{\"rule\": \"contains\", \"parts\": [\"bias\"]}", true,
                params -> Lars.builder(params).lr(1).momentum(0.8).weightDecay(1e-3).eta(0.02).nesterov(true)
                        .excludeFromWeightDecay(Lars.nameContains("bn", "frozen"))
                        .excludeFromAdaptation(Lars.nameContains("bias"))
                        .build(),
                TOLERANCE, BUFFER_TOLERANCE);
    }
}
