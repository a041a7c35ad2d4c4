package org.fkt.train;

import java.util.Map;
import org.fkt.engine.tensor.Tensor;
import org.fkt.nn.models.ResNet;
import org.fkt.nn.optim.Lars;
import org.fkt.nn.optim.OptimizerGroups;
import org.fkt.nn.optim.ParameterSets;
import org.fkt.nn.optim.Schedule;
import org.fkt.nn.optim.Sgd;

/**
 * The optimizers of each stage, as named parameter groups (the group names go into history.csv):
 * pretraining steps encoder and projector with LARS ("lars"); fine-tuning steps encoder and classifier
 * with SGD ("sgd"), or only the classifier with a frozen encoder (linear evaluation); the joint stage
 * follows {@link OptimizerMode}. Parameters a stage does not train are in no group.
 */
public final class StageOptimizers {
    private static final String FC = "fc.";
    private static final String PROJECTOR = "projector.";

    private StageOptimizers() {
    }

    public static OptimizerGroups build(Stage stage, ResNet model, TrainSettings s, long stepsPerEpoch) {
        Map<String, Tensor> all = model.namedParameters();
        var groups = OptimizerGroups.builder();
        switch (stage) {
            case PRETRAIN -> groups.add("lars", lars(ParameterSets.notStartingWith(all, FC), s, stepsPerEpoch));
            case FINETUNE -> groups.add("sgd", sgd(s.freezeEncoder()
                    ? ParameterSets.startingWith(all, FC)
                    : ParameterSets.notStartingWith(all, PROJECTOR), s, stepsPerEpoch));
            case JOINT -> {
                switch (s.optimizers()) {
                    case SPLIT -> groups.add("lars", lars(ParameterSets.notStartingWith(all, FC), s, stepsPerEpoch))
                            .add("sgd", sgd(ParameterSets.startingWith(all, FC), s, stepsPerEpoch));
                    case LARS -> groups.add("lars", lars(all, s, stepsPerEpoch));
                    case SGD -> groups.add("sgd", sgd(all, s, stepsPerEpoch));
                }
            }
        }
        return groups.build();
    }

    private static Lars lars(Map<String, Tensor> params, TrainSettings s, long stepsPerEpoch) {
        return Lars.builder(params).schedule(schedule(s.larsLr(), s, stepsPerEpoch)).momentum(s.larsMomentum())
                .weightDecay(s.larsWeightDecay()).eta(s.larsEta()).build();
    }

    private static Sgd sgd(Map<String, Tensor> params, TrainSettings s, long stepsPerEpoch) {
        return Sgd.builder(params).schedule(schedule(s.sgdLr(), s, stepsPerEpoch)).momentum(s.sgdMomentum())
                .weightDecay(s.sgdWeightDecay()).build();
    }

    static Schedule schedule(double lr, TrainSettings s, long stepsPerEpoch) {
        if (s.schedule().equals("constant")) {
            return Schedule.constant(lr);
        }
        return Schedule.warmupCosine(lr, s.warmupEpochs() * stepsPerEpoch, s.epochs() * stepsPerEpoch);
    }
}
