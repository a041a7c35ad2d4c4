package org.fkt.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One epoch of one training stage, a row of {@code history.csv}.
 *
 * @param stage           the stage: "pretrain", "finetune", "joint" or another name without line breaks
 * @param epoch           the epoch within its stage, counted from 1
 * @param steps           optimizer steps taken in the stage up to the end of this epoch
 * @param loss            mean total loss over the epoch's steps; null when not recorded
 * @param lossContrastive mean NT-Xent term; null when the stage has none (finetune)
 * @param lossSupervised  mean cross-entropy term; null when the stage has none (pretrain)
 * @param trainAccuracy   top-1 accuracy on the training batches, a fraction; null when not measured
 * @param testAccuracy    top-1 accuracy on the test split, a fraction; null when not evaluated
 * @param learningRates   learning rate per optimizer group at the end of the epoch, in group order
 * @param epochSeconds    wall-clock seconds of the epoch
 * @param imagesPerSecond training images per second over the epoch
 * A recorded value may be NaN or infinite (a diverged loss); that is kept apart from null (absent).
 */
public record EpochRow(String stage, int epoch, long steps, Double loss, Double lossContrastive, Double lossSupervised,
        Double trainAccuracy, Double testAccuracy, Map<String, Double> learningRates, double epochSeconds,
        double imagesPerSecond) {
    public EpochRow {
        if (stage == null || stage.isBlank() || stage.indexOf('\n') >= 0 || stage.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("history: stage must be a non-blank single-line name, got '" + stage + "'");
        }
        if (epoch < 0 || steps < 0) {
            throw new IllegalArgumentException("history: " + stage + " epoch " + epoch + " with " + steps
                    + " steps: both must be >= 0");
        }
        var rates = new LinkedHashMap<String, Double>();
        if (learningRates != null) {
            learningRates.forEach((group, lr) -> {
                if (group == null || group.isBlank() || lr == null) {
                    throw new IllegalArgumentException("history: " + stage + " epoch " + epoch
                            + ": learning-rate group '" + group + "' has a blank name or a null rate");
                }
                rates.put(group, lr);
            });
        }
        learningRates = Collections.unmodifiableMap(rates);
    }

    /** A builder for the row of {@code stage}, {@code epoch}; unset values are absent (null) or 0. */
    public static Builder builder(String stage, int epoch) {
        return new Builder(stage, epoch);
    }

    /** Fluent construction of an {@link EpochRow}. */
    public static final class Builder {
        private final String stage;
        private final int epoch;
        private long steps;
        private Double loss;
        private Double lossContrastive;
        private Double lossSupervised;
        private Double trainAccuracy;
        private Double testAccuracy;
        private final Map<String, Double> learningRates = new LinkedHashMap<>();
        private double epochSeconds;
        private double imagesPerSecond;

        private Builder(String stage, int epoch) {
            this.stage = stage;
            this.epoch = epoch;
        }

        public Builder steps(long value) {
            steps = value;
            return this;
        }

        /** The loss terms; pass null for a term the stage does not have. */
        public Builder loss(Double total, Double contrastive, Double supervised) {
            loss = total;
            lossContrastive = contrastive;
            lossSupervised = supervised;
            return this;
        }

        /** Accuracies as fractions; null where not measured. */
        public Builder accuracy(Double train, Double test) {
            trainAccuracy = train;
            testAccuracy = test;
            return this;
        }

        public Builder learningRate(String group, double lr) {
            learningRates.put(group, lr);
            return this;
        }

        public Builder timing(double seconds, double imagesPerSec) {
            epochSeconds = seconds;
            imagesPerSecond = imagesPerSec;
            return this;
        }

        public EpochRow build() {
            return new EpochRow(stage, epoch, steps, loss, lossContrastive, lossSupervised, trainAccuracy, testAccuracy,
                    learningRates, epochSeconds, imagesPerSecond);
        }
    }
}
