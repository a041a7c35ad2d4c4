package org.fkt.nn.optim;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Five SGD steps against torch.optim.SGD from the same initial weights and gradients, with a
 * different learning rate each step; parameters that start late, skip a step or never get a gradient.
 */
class SgdParityTest {
    private static final double TOLERANCE = 1e-6;

    @ParameterizedTest(name = "momentum {0}, dampening {1}, nesterov {2}, weight decay {3}")
    @CsvSource({
        "0.9, 0.0, true, 5e-4",
        "0.9, 0.0, false, 5e-4",
        "0.9, 0.3, false, 5e-4",
        "0.0, 0.0, false, 5e-4",
    })
    void matchesTorchSgd(double momentum, double dampening, boolean nesterov, double weightDecay) {
        var data = new OptimTestData("SgdParityTest m=" + momentum + " d=" + dampening + " nesterov=" + nesterov);
        String hyper = String.format("{\"momentum\": %s, \"dampening\": %s, \"nesterov\": %s, \"weight_decay\": %s}",
                momentum, dampening, nesterov, weightDecay);
        new OptimParity(data, 0.1, 0.05, 0.2, 0.1, 0.01).standardParams().check("sgd", hyper,
                "{\"rule\": \"none\"}", "{\"rule\": \"none\"}", momentum != 0,
                params -> Sgd.builder(params).lr(0.1).momentum(momentum).dampening(dampening)
                        .nesterov(nesterov).weightDecay(weightDecay).build(),
                TOLERANCE, TOLERANCE);
    }
}
