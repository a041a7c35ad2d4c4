package org.fkt.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fkt.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Parameter groups: the joint regime (LARS + SGD), disjointness and coverage errors, learning rates. */
class OptimizerGroupsTest {
    @Test
    void groupsStepLikeTheirOptimizersAlone() {
        var data = new OptimTestData("OptimizerGroupsTest.joint");
        Map<String, Tensor> params = data.model();
        Map<String, Tensor> copies = OptimTestData.copy(params);
        try (var groups = joint(params, Schedule.warmupCosine(1.0, 2, 6), 0.1);
             Lars lars = Lars.builder(ParameterSets.notStartingWith(copies, "fc.")).lr(1).weightDecay(1e-6).build();
             Sgd sgd = Sgd.builder(ParameterSets.startingWith(copies, "fc.")).lr(0.1).momentum(0.9).build()) {
            lars.schedule(Schedule.warmupCosine(1.0, 2, 6));
            assertEquals(List.of("encoder", "classifier"), List.copyOf(groups.groups().keySet()));
            assertEquals("classifier", groups.groupOf("fc.bias"));
            for (int s = 0; s < 4; s++) {
                data.grads(params, 0.1);
                OptimTestData.copyGrads(params, copies);
                assertEquals(Map.of("encoder", lars.learningRate(), "classifier", 0.1), groups.learningRates());
                groups.step();
                lars.step();
                sgd.step();
                params.forEach((n, p) -> assertArrayEquals(copies.get(n).toFloatArray(), p.toFloatArray(), n));
            }
            assertEquals(4, groups.stepCount());
            SgdTest.assertMessage(groups::learningRate, "different learning rates", "encoder", "classifier");
            groups.learningRate(0.5);
            assertEquals(0.5, groups.learningRate());
            SgdTest.assertMessage(() -> groups.group("decoder"), "decoder", "encoder");
        } finally {
            OptimTestData.close(params);
            OptimTestData.close(copies);
        }
    }

    @Test
    void overlappingGroupsAreRejectedByName() {
        var data = new OptimTestData("OptimizerGroupsTest.overlap");
        Map<String, Tensor> params = data.model();
        try (Sgd all = Sgd.builder(params).lr(0.1).build();
             Sgd head = Sgd.builder(ParameterSets.startingWith(params, "fc.")).lr(0.1).build()) {
            SgdTest.assertMessage(() -> OptimizerGroups.builder().add("all", all).add("head", head).build(),
                    "not disjoint", "'fc.weight' is in groups 'all' and 'head'", "fc.bias");
            var alias = new LinkedHashMap<String, Tensor>();
            alias.put("classifier.weight", params.get("fc.weight"));
            try (Sgd aliased = Sgd.builder(alias).lr(0.1).build()) {
                SgdTest.assertMessage(() -> OptimizerGroups.builder().add("head", head).add("alias", aliased).build(),
                        "alias/classifier.weight", "head/fc.weight", "same tensor");
            }
            SgdTest.assertMessage(() -> OptimizerGroups.builder().add("a", head).add("a", all), "'a' added twice");
            SgdTest.assertMessage(() -> OptimizerGroups.builder().build(), "no groups");
        } finally {
            OptimTestData.close(params);
        }
    }

    @Test
    void coverageErrorsNameTheParameters() {
        var data = new OptimTestData("OptimizerGroupsTest.cover");
        Map<String, Tensor> params = data.model();
        Tensor stray = data.param(2);
        Map<String, Tensor> other = new LinkedHashMap<>(ParameterSets.startingWith(params, "fc."));
        other.put("stray.bias", stray);
        other.put("fc.bias", data.param(3));
        try (Sgd head = Sgd.builder(other).lr(0.1).build();
             Sgd body = Sgd.builder(ParameterSets.startingWith(params, "conv1.")).lr(0.1).build()) {
            SgdTest.assertMessage(() -> OptimizerGroups.builder().add("body", body).add("head", head)
                            .covering(params).build(),
                    "in no group ['bn1.weight', 'bn1.bias', 'projector.0.weight']",
                    "not in the model ['stray.bias']", "other tensors than the model's ['fc.bias']");
            try (var ok = OptimizerGroups.builder().add("body", body).covering(ParameterSets.startingWith(params, "conv1."))
                    .build()) {
                assertEquals(List.of("conv1.weight"), List.copyOf(ok.parameters().keySet()));
            }
        } finally {
            OptimTestData.close(params);
            OptimTestData.close(other);
        }
    }

    /** LARS (schedule) on everything but the classifier, SGD (fixed lr) on "fc.", covering params. */
    static OptimizerGroups joint(Map<String, Tensor> params, Schedule larsSchedule, double sgdLr) {
        return OptimizerGroups.builder()
                .add("encoder", Lars.builder(ParameterSets.notStartingWith(params, "fc.")).schedule(larsSchedule)
                        .weightDecay(1e-6).build())
                .add("classifier", Sgd.builder(ParameterSets.startingWith(params, "fc.")).lr(sgdLr).momentum(0.9).build())
                .covering(params)
                .build();
    }
}
