package org.fkt.regime;

import java.io.PrintStream;
import java.util.List;
import org.fkt.augment.Augmentations;
import org.fkt.augment.Normalization;
import org.fkt.data.DataSplits;
import org.fkt.data.Dataset;
import org.fkt.engine.tensor.Device;
import org.fkt.loader.BatchAllocator;
import org.fkt.loader.Loader;
import org.fkt.train.EpochSource;
import org.fkt.train.Stage;
import org.fkt.train.TrainSettings;

/**
 * A run's data: the decoded train and test splits, the class names, the normalisation, and the loaders
 * each stage needs. Pretraining gets two views per image (the contrastive pipeline), fine-tuning the
 * supervised image, joint training all three; the test split is read once per evaluation in a fixed
 * order without augmentation. (A {@code --limit-train} subset is chosen by the reader, before decoding,
 * from the data options' split seed: the same for every seed and regime of a run.)
 */
public final class TrainingData {
    private final Dataset train;
    private final Dataset test;
    private final String description;
    private final Normalization normalization;

    public TrainingData(DataSplits splits, Normalization normalization) {
        this.train = splits.train();
        this.test = splits.test();
        this.normalization = normalization;
        this.description = splits.description();
        if (!train.classes().equals(test.classes())) {
            throw new IllegalArgumentException("data: the train and test splits have different classes: "
                    + train.classes() + " and " + test.classes());
        }
    }

    public Normalization normalization() {
        return normalization;
    }

    public List<String> classes() {
        return train.classes();
    }

    public String describe() {
        return description;
    }

    public Dataset trainSet() {
        return train;
    }

    public Dataset testSet() {
        return test;
    }

    /** Prints the splits' sizes. */
    public void summarize(PrintStream out) {
        out.printf("data: %s%n      %d train, %d test images, %d classes %s%n", description, train.size(), test.size(),
                classes().size(), classes());
    }

    /** Shuffled, augmented CPU batches for {@code stage}; the last partial batch is dropped. */
    public EpochSource train(Stage stage, TrainSettings s) {
        return train(stage, s, Device.CPU);
    }

    /** Shuffled, augmented batches for {@code stage} on {@code device}; the last partial batch is dropped. */
    public EpochSource train(Stage stage, TrainSettings s, Device device) {
        if (train.size() < s.batchSize()) {
            throw new IllegalArgumentException("data: " + train.size() + " training images are fewer than one batch of "
                    + s.batchSize() + "; lower --batch-size");
        }
        var b = Loader.builder(train).batchSize(s.batchSize()).imageSize(s.imageSize()).seed(s.seed())
                .workers(s.workers()).shuffle(true).dropLast(true).allocator(BatchAllocator.forDevice(device));
        if (stage.objective().hasContrastive()) {
            b.contrastive(Augmentations.named(s.augmentation(), s.imageSize(), normalization));
        }
        if (stage.objective().hasSupervised()) {
            // the paper's script feeds the labelled image resized and centre-cropped only
            String pipeline = s.augmentation().startsWith("paper-code") ? "eval" : "supervised";
            b.supervised(Augmentations.named(pipeline, s.imageSize(), normalization));
        }
        return new LoaderSource(b.build());
    }

    /** Every test image once, in order, resized only, as CPU batches. */
    public EpochSource test(TrainSettings s) {
        return test(s, Device.CPU);
    }

    /** Every test image once, in order, resized only, as batches on {@code device}. */
    public EpochSource test(TrainSettings s, Device device) {
        return new LoaderSource(Loader.builder(test).batchSize(s.batchSize()).imageSize(s.imageSize()).seed(0)
                .workers(s.workers()).shuffle(false).dropLast(false).allocator(BatchAllocator.forDevice(device))
                .supervised(Augmentations.named("eval", s.imageSize(), normalization)).build());
    }
}
