package org.fkt.regime;

import java.io.PrintStream;
import java.nio.file.Path;
import org.fkt.report.Metrics;
import org.fkt.train.Compute;
import org.fkt.train.Stage;
import org.fkt.train.StopSignal;
import org.fkt.train.TrainSettings;

/**
 * The paper's two ways to use self-supervision for a classifier, each as stages in one folder.
 * Representational transfer: {@code <dir>/pretrain} (SimCLR) then {@code <dir>/finetune}, which starts
 * from the pretrained encoder with a fresh classifier. Functional transfer: {@code <dir>/joint}.
 * Stages already complete in the folder are not run again, so a resumed regime picks up where it stopped.
 * Every stage computes on the given {@link Compute} device.
 */
public final class Regimes {
    private Regimes() {
    }

    /** The test metrics of a finished regime, or null when it was stopped. */
    public static Metrics representational(TrainSettings settings, TrainingData data, Path dir, boolean resume,
                                           PrintStream out, StopSignal stop, String note, Compute compute) {
        var pretrain = StageRun.run(new StageRun.Spec(Stage.PRETRAIN, settings, data, dir.resolve("pretrain"), null,
                resume, out, stop, note, compute));
        if (pretrain.stopped()) {
            return null;
        }
        var finetune = StageRun.run(new StageRun.Spec(Stage.FINETUNE, settings, data, dir.resolve("finetune"),
                dir.resolve("pretrain").resolve(StageRun.MODEL), resume, out, stop, note, compute));
        return finetune.stopped() ? null : finetune.test();
    }

    /** The test metrics of the joint training, or null when it was stopped. */
    public static Metrics functional(TrainSettings settings, TrainingData data, Path dir, boolean resume,
                                     PrintStream out, StopSignal stop, String note, Compute compute) {
        var joint = StageRun.run(new StageRun.Spec(Stage.JOINT, settings, data, dir.resolve("joint"), null, resume, out,
                stop, note, compute));
        return joint.stopped() ? null : joint.test();
    }
}
