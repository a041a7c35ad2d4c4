package org.fkt.train;

import java.util.Map;
import org.fkt.report.Metrics;

/** What a stage reports while it runs: progress bars, history files and plots listen here. */
public interface TrainingListener {
    /** Before the first step run in this process (after a resume, at the resumed position). */
    default void stageStarted(Stage stage, int epochs, int batchesPerEpoch, Position from) {
    }

    default void stepDone(StepLog step) {
    }

    default void epochDone(EpochLog epoch) {
    }

    /** One optimizer step: the loss terms (NaN where absent) and its wall time. */
    record StepLog(Stage stage, int epoch, int batch, int batches, double loss, double contrastive,
                   double supervised, int images, double seconds) {
    }

    /**
     * One finished epoch: means of the loss terms (NaN where absent), training accuracy on the
     * supervised images (NaN without), test metrics (null when not evaluated), each group's learning rate.
     */
    record EpochLog(Stage stage, int epoch, int epochs, long steps, double loss, double contrastive, double supervised,
                    double trainAccuracy, Metrics test, Map<String, Double> learningRates, double seconds,
                    double imagesPerSecond) {
    }
}
